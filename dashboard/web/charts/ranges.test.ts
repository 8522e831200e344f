import { describe, expect, it } from 'vitest'
import { chartData, dataStats, mergeRaw, RANGES, ROLLUP_MS, rangeMs, stepFor } from './ranges.js'

describe('range picker steps', () => {
  it('asks for raw points up to 6 h and buckets beyond', () => {
    expect(stepFor(rangeMs('6h'))).toBeUndefined()
    expect(stepFor(rangeMs('24h'))).toBe(2 * 60_000)
  })

  it('reads 7 d and longer from the 10-minute rollups, at about 1000 buckets', () => {
    for (const key of ['7d', '30d', '1y'] as const) {
      const step = stepFor(rangeMs(key)) as number
      expect(step % ROLLUP_MS, key).toBe(0)
      expect(rangeMs(key) / step).toBeLessThanOrEqual(1000)
      expect(rangeMs(key) / step).toBeGreaterThan(500)
    }
    expect(RANGES.map((r) => r.key)).toEqual(['6h', '24h', '7d', '30d', '1y'])
  })
})

describe('chart data', () => {
  it('keeps a bucket answer as buckets (band + average), never as raw points', () => {
    const data = chartData({
      step: 600_000,
      points: [
        { ts: 600_000, min: 1, max: 5, avg: 3, last: 4, count: 10 },
        { ts: 0, min: 2, max: 3, avg: 2.5, last: 3, count: 10 },
        { ts: 1, value: 9 },
      ],
    })
    expect(data.type).toBe('buckets')
    expect(data.points.map((p) => p.ts)).toEqual([0, 600_000])
    expect(dataStats(data)).toMatchObject({ latest: 4, min: 1, max: 5, count: 2 })
  })

  it('sorts raw points, drops junk and counts maintenance points', () => {
    const data = chartData({
      step: null,
      points: [
        { ts: 2, value: 5, quality: 'maintenance' },
        { ts: 1, value: 4 },
        { ts: 3, value: Number.NaN },
      ],
    })
    expect(data).toEqual({
      type: 'raw',
      points: [
        { ts: 1, value: 4 },
        { ts: 2, value: 5, quality: 'maintenance' },
      ],
    })
    expect(dataStats(data)).toMatchObject({ latest: 5, min: 4, max: 5, count: 2, maintenance: 1 })
  })

  it('merges a refetch that overlaps live points without duplicates', () => {
    const merged = mergeRaw(
      [
        { ts: 10, value: 1 },
        { ts: 20, value: 2 },
      ],
      [
        { ts: 20, value: 2 },
        { ts: 15, value: 1.5 },
        { ts: 30, value: 3 },
      ],
    )
    expect(merged.map((p) => p.ts)).toEqual([10, 15, 20, 30])
    expect(mergeRaw(merged, [{ ts: 40, value: 4 }]).map((p) => p.ts)).toEqual([10, 15, 20, 30, 40])
  })
})
