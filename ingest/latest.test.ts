import { describe, expect, it } from 'vitest'
import { loadLatestCache } from './latest.js'
import type { ReadingStore } from './store/store.js'

// only what the cache reads at start: the latest values the store holds
const storeWith = (rows: Array<[string, Record<string, { ts: number; value: number }>]>) =>
  ({ latestAll: async () => new Map(rows) }) as unknown as ReadingStore

describe('latest cache', () => {
  it('starts from the store and keeps the newest value per metric, a late reading replacing nothing newer', async () => {
    const cache = await loadLatestCache(storeWith([['p1', { water_depth_cm: { ts: 100, value: 8 } }]]))
    expect(cache.lastSeen('p1')).toBe(100)
    cache.update('p1', [
      { ts: 200, seq: 2, m: { water_depth_cm: 9, battery_v: 3.6 } },
      { ts: 150, seq: 1, m: { water_depth_cm: 7, water_temp_c: 20 } },
    ])
    expect(cache.get('p1')).toEqual({
      water_depth_cm: { ts: 200, value: 9 },
      battery_v: { ts: 200, value: 3.6 },
      water_temp_c: { ts: 150, value: 20 },
    })
    expect(cache.lastSeen('p1')).toBe(200)
    cache.update('p1', [{ ts: 50, seq: 0, m: { water_depth_cm: 1 } }])
    expect(cache.get('p1').water_depth_cm).toEqual({ ts: 200, value: 9 })
    expect(cache.lastSeen('p1')).toBe(200)
  })

  it('learns a device it has not seen', async () => {
    const cache = await loadLatestCache(storeWith([]))
    expect(cache.get('p2')).toEqual({})
    expect(cache.lastSeen('p2')).toBeNull()
    cache.update('p2', [{ ts: 0, seq: 0, m: { water_depth_cm: 5 } }])
    expect(cache.lastSeen('p2')).toBe(0)
    expect(cache.get('p2')).toEqual({ water_depth_cm: { ts: 0, value: 5 } })
  })
})
