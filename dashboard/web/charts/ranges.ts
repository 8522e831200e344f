import type { BucketPoint, RawPoint, Readings } from '../types.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The range picker of the device page. */
export const RANGES = [
  { key: '6h', ms: 6 * HOUR },
  { key: '24h', ms: DAY },
  { key: '7d', ms: 7 * DAY },
  { key: '30d', ms: 30 * DAY },
  { key: '1y', ms: 365 * DAY },
] as const
export type RangeKey = (typeof RANGES)[number]['key']

/** Up to this span the API answers raw points; beyond it, buckets (dashboard/server device-routes). */
export const RAW_LIMIT_MS = 6 * HOUR
/** About as many buckets as a phone's chart has pixels. */
export const TARGET_BUCKETS = 1000
/** The store keeps 10-minute rollups: steps that are multiples of it are read from them, not raw rows. */
export const ROLLUP_MS = 10 * MINUTE

/**
 * The bucket step for a span, or undefined for raw points. Steps of 10 minutes or more are whole
 * multiples of the rollup, so a year is read from rollups and never from a year of raw rows.
 * @example stepFor(365 * 86_400_000) // 31_800_000 (530 min, ~992 buckets)
 */
export function stepFor(spanMs: number): number | undefined {
  if (spanMs <= RAW_LIMIT_MS) return undefined
  const ideal = spanMs / TARGET_BUCKETS
  if (ideal >= ROLLUP_MS) return Math.ceil(ideal / ROLLUP_MS) * ROLLUP_MS
  return Math.max(MINUTE, Math.ceil(ideal / MINUTE) * MINUTE)
}

export function rangeMs(key: RangeKey): number {
  return RANGES.find((r) => r.key === key)?.ms ?? RAW_LIMIT_MS
}

export function isBucket(point: RawPoint | BucketPoint): point is BucketPoint {
  return 'avg' in point
}

/** What the chart draws: a line of raw samples, or buckets as a min–max band around the average. */
export type ChartData = { type: 'raw'; points: RawPoint[] } | { type: 'buckets'; points: BucketPoint[] }

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Sorts and checks an API answer; a bucket answer never turns into raw points, nor the reverse. */
export function chartData(readings: Pick<Readings, 'points' | 'step'>): ChartData {
  const buckets = readings.step !== null && readings.step !== undefined
  if (buckets || readings.points.some(isBucket)) {
    const points = readings.points
      .filter(
        (p): p is BucketPoint =>
          isBucket(p) && finite(p.ts) && finite(p.avg) && finite(p.min) && finite(p.max),
      )
      .sort((a, b) => a.ts - b.ts)
    return { type: 'buckets', points }
  }
  const points = readings.points
    .filter((p): p is RawPoint => !isBucket(p) && finite(p.ts) && finite(p.value))
    .sort((a, b) => a.ts - b.ts)
  return { type: 'raw', points }
}

/** Merges raw points by ts (a refetch overlapping live frames never duplicates one). */
export function mergeRaw(points: readonly RawPoint[], incoming: readonly RawPoint[]): RawPoint[] {
  if (incoming.length === 0) return points as RawPoint[]
  const last = points[points.length - 1]
  if (
    last !== undefined &&
    incoming.every((p, i) => p.ts > (i === 0 ? last.ts : (incoming[i - 1] as RawPoint).ts))
  )
    return points.concat(incoming)
  const byTs = new Map<number, RawPoint>()
  for (const p of points) byTs.set(p.ts, p)
  for (const p of incoming) byTs.set(p.ts, p)
  return [...byTs.values()].sort((a, b) => a.ts - b.ts)
}

export interface DataStats {
  latest: number | undefined
  min: number | undefined
  max: number | undefined
  count: number
  /** Raw points taken during maintenance. */
  maintenance: number
}

/** Numbers for the text beside the chart: buckets count their min and max, not only their average. */
export function dataStats(data: ChartData): DataStats {
  let min: number | undefined
  let max: number | undefined
  let maintenance = 0
  if (data.type === 'raw') {
    for (const p of data.points) {
      if (min === undefined || p.value < min) min = p.value
      if (max === undefined || p.value > max) max = p.value
      if (p.quality === 'maintenance') maintenance++
    }
    return { latest: data.points.at(-1)?.value, min, max, count: data.points.length, maintenance }
  }
  for (const p of data.points) {
    if (min === undefined || p.min < min) min = p.min
    if (max === undefined || p.max > max) max = p.max
  }
  const last = data.points.at(-1)
  return { latest: last?.last ?? last?.avg, min, max, count: data.points.length, maintenance }
}
