import { describe, expect, it } from 'vitest'
import { mergeSamples, pointsFromReadings, seriesStats, toColumns, trimToWindow, yRange } from './series.js'

const s = (ts: number, value = ts / 10) => ({ ts, value })

describe('mergeSamples', () => {
  it('appends newer live samples in order', () => {
    expect(mergeSamples([s(1), s(2)], [s(3), s(4)])).toEqual([s(1), s(2), s(3), s(4)])
  })

  it('never duplicates a point when a refetch overlaps what the live frames drew', () => {
    const live = [s(10), s(20), s(50)]
    const refetched = [s(20), s(30), s(40), s(50), s(60)]
    expect(mergeSamples(live, refetched).map((p) => p.ts)).toEqual([10, 20, 30, 40, 50, 60])
  })

  it('puts a late (backfilled) sample in ts order', () => {
    expect(mergeSamples([s(10), s(30)], [s(20)]).map((p) => p.ts)).toEqual([10, 20, 30])
  })

  it('lets the later-merged value win at the same ts', () => {
    expect(mergeSamples([{ ts: 5, value: 1 }], [{ ts: 5, value: 2 }])).toEqual([{ ts: 5, value: 2 }])
  })

  it('handles an unsorted or self-duplicating batch', () => {
    expect(mergeSamples([], [s(3), s(1), s(3)]).map((p) => p.ts)).toEqual([1, 3])
  })
})

describe('pointsFromReadings', () => {
  it('reads raw points and buckets (at their average) and drops junk', () => {
    expect(
      pointsFromReadings({
        points: [
          { ts: 2, value: 5 },
          { ts: 1, value: 4 },
        ],
      }),
    ).toEqual([
      { ts: 1, value: 4 },
      { ts: 2, value: 5 },
    ])
    expect(
      pointsFromReadings({
        points: [
          { ts: 0, min: 1, max: 3, avg: 2, last: 3, count: 4 },
          { ts: 60_000, value: Number.NaN },
        ],
      }),
    ).toEqual([{ ts: 0, value: 2 }])
  })
})

describe('window and stats', () => {
  it('drops samples older than the window', () => {
    expect(trimToWindow([s(0), s(50), s(100)], 120, 100).map((p) => p.ts)).toEqual([50, 100])
  })

  it('summarises latest, min and max for the text beside the chart', () => {
    expect(seriesStats([s(1, 5), s(2, 1), s(3, 3)])).toEqual({ latest: s(3, 3), min: 1, max: 5, count: 3 })
    expect(seriesStats([]).count).toBe(0)
  })

  it('converts to uPlot columns', () => {
    expect(toColumns([s(1, 5), s(2, 6)])).toEqual([
      [1, 2],
      [5, 6],
    ])
  })
})

describe('yRange', () => {
  it('keeps threshold lines in view even far from the data', () => {
    const [lo, hi] = yRange(5, 6, [9])
    expect(lo).toBeLessThan(5)
    expect(hi).toBeGreaterThan(9)
  })

  it('gives a usable range for flat data and for no data', () => {
    const [lo, hi] = yRange(4, 4, [])
    expect(lo).toBeLessThan(4)
    expect(hi).toBeGreaterThan(4)
    expect(yRange(null, null, [])).toEqual([0, 1])
  })
})
