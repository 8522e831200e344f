import { describe, expect, it } from 'vitest'
import { createDeviceStore, type DeviceChange } from './device-store.js'
import type { DeviceSummary } from './types.js'

const device = (id: string): DeviceSummary => ({
  id,
  kind: 'paddy',
  site: null,
  createdAt: 0,
  lastSeen: null,
  latest: {},
  status: 'normal',
  openAlerts: 0,
})

describe('shared device store', () => {
  it('announces a burst of live frames once per animation frame', async () => {
    const frames: Array<() => void> = []
    const store = createDeviceStore({ devices: async () => [device('a'), device('b')] }, (cb) =>
      frames.push(cb),
    )
    const changes: DeviceChange[] = []
    store.subscribe((c) => changes.push(c))
    await store.load()
    for (let i = 0; i < 50; i++) {
      store.applyFrame({ deviceId: 'a', ts: 1000 + i, seq: i, m: { water_depth_cm: i } })
      store.applyFrame({ deviceId: 'b', ts: 1000 + i, seq: i, m: { water_depth_cm: i } })
    }
    store.applyFrame({ deviceId: 'unknown', ts: 1, seq: 1, m: { x: 1 } })
    expect(frames).toHaveLength(1)
    frames[0]?.()
    expect(changes.map((c) => (c.type === 'values' ? [...c.ids] : c.type))).toEqual(['list', ['a', 'b']])
    expect(store.get('a')?.latest.water_depth_cm).toEqual({ ts: 1049, value: 49 })
  })

  it('reports a failed load and keeps what it had', async () => {
    let fail = false
    const store = createDeviceStore(
      {
        devices: async () => {
          if (fail) throw new Error('offline')
          return [device('a')]
        },
      },
      () => 0,
    )
    await store.load()
    fail = true
    await expect(store.load()).rejects.toThrow('offline')
    expect(store.error()).toBe('offline')
    expect(store.list().map((d) => d.id)).toEqual(['a'])
  })
})
