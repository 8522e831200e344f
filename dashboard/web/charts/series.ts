import type { BucketPoint, RawPoint, Readings, Sample } from '../types.js'

/** The chart window: farmers and crews look at the last hour; older data is one REST call away. */
export const WINDOW_MS = 60 * 60 * 1000

/** Points of one metric, sorted by ts, at most one per ts. */
export type Series = Sample[]

function isBucket(point: RawPoint | BucketPoint): point is BucketPoint {
  return 'avg' in point
}

/**
 * Turns a readings response into chart points. Aggregated buckets are drawn at their average, so
 * the line stays where the bulk of the samples were rather than following spikes.
 */
export function pointsFromReadings(readings: Pick<Readings, 'points'>): Series {
  const out: Series = []
  for (const p of readings.points) {
    const value = isBucket(p) ? p.avg : p.value
    if (Number.isFinite(p.ts) && typeof value === 'number' && Number.isFinite(value))
      out.push({ ts: p.ts, value })
  }
  return mergeSamples([], out)
}

/**
 * Merges new samples into a sorted series. A sample at a ts already present replaces it (a refetch
 * after a reconnect returns what the live frames already drew; the store's value wins over nothing
 * and equals the frame's), so replays and overlaps never duplicate a point.
 */
export function mergeSamples(series: Series, incoming: readonly Sample[]): Series {
  if (incoming.length === 0) return series
  const last = series[series.length - 1]
  // Fast path for live frames: strictly newer samples in order simply append.
  if (
    last !== undefined &&
    incoming.every((s, i) => s.ts > (i === 0 ? last.ts : (incoming[i - 1] as Sample).ts))
  ) {
    return series.concat(incoming)
  }
  const byTs = new Map<number, number>()
  for (const s of series) byTs.set(s.ts, s.value)
  for (const s of incoming) byTs.set(s.ts, s.value)
  return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, value]) => ({ ts, value }))
}

/** Drops what fell out of the window so a tab left open all day does not grow without bound. */
export function trimToWindow(series: Series, now: number, windowMs = WINDOW_MS): Series {
  const from = now - windowMs
  let i = 0
  while (i < series.length && (series[i] as Sample).ts < from) i++
  return i === 0 ? series : series.slice(i)
}

/** uPlot's column layout: [x values, y values]. */
export function toColumns(series: Series): [number[], number[]] {
  return [series.map((s) => s.ts), series.map((s) => s.value)]
}

export interface SeriesStats {
  latest: Sample | undefined
  min: number | undefined
  max: number | undefined
  count: number
}

/** The numbers the text summary beside a chart gives, so the chart is not the only way to read it. */
export function seriesStats(series: Series): SeriesStats {
  let min: number | undefined
  let max: number | undefined
  for (const { value } of series) {
    if (min === undefined || value < min) min = value
    if (max === undefined || value > max) max = value
  }
  return { latest: series[series.length - 1], min, max, count: series.length }
}

/**
 * Y range that keeps threshold lines in view: staff read a level against the spillway crest, so
 * the line must be on screen even while the level is far below it.
 */
export function yRange(
  dataMin: number | null | undefined,
  dataMax: number | null | undefined,
  levels: readonly number[],
): [number, number] {
  const values = [dataMin, dataMax, ...levels].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v),
  )
  if (values.length === 0) return [0, 1]
  let lo = Math.min(...values)
  let hi = Math.max(...values)
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1
    return [lo - pad, hi + pad]
  }
  const pad = (hi - lo) * 0.08
  lo -= pad
  hi += pad
  return [lo, hi]
}
