import { describe, expect, it } from 'vitest'
import { createTrendBuffer } from './evidence.js'

const watched = new Set(['level_m'])

describe('trend buffer', () => {
  it('keeps the last N points of watched metrics, oldest first, across the ring wrapping', () => {
    const trend = createTrendBuffer(3)
    for (let i = 1; i <= 5; i++) trend.push('r1', i * 10, { level_m: i, rain_mm: 100 + i }, watched)
    expect(trend.upTo('r1', 'level_m', Number.POSITIVE_INFINITY)).toEqual([
      { ts: 30, value: 3 },
      { ts: 40, value: 4 },
      { ts: 50, value: 5 },
    ])
    expect(trend.upTo('r1', 'rain_mm', 100)).toEqual([])
    expect(trend.upTo('r1', 'level_m', 45)).toEqual([
      { ts: 30, value: 3 },
      { ts: 40, value: 4 },
    ])
    expect(trend.last('r1', 'level_m')).toEqual({ ts: 50, value: 5 })
    expect(trend.last('r2', 'level_m')).toBeUndefined()
  })

  it('puts a late point in ts order and still keeps only the newest N', () => {
    const trend = createTrendBuffer(3)
    for (const ts of [10, 20, 40]) trend.push('r1', ts, { level_m: ts / 10 }, watched)
    trend.push('r1', 30, { level_m: 3 }, watched)
    expect(trend.upTo('r1', 'level_m', 1000).map((p) => p.ts)).toEqual([20, 30, 40])
    trend.push('r1', 5, { level_m: 0.5 }, watched)
    expect(trend.upTo('r1', 'level_m', 1000).map((p) => p.ts)).toEqual([20, 30, 40])
    trend.push('r1', 50, { level_m: 5 }, watched)
    expect(trend.upTo('r1', 'level_m', 1000).map((p) => p.ts)).toEqual([30, 40, 50])
    trend.forget('r1')
    expect(trend.last('r1', 'level_m')).toBeUndefined()
  })
})
