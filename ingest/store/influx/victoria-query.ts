import type { BucketPoint } from '../store.js'
import { DEVICE_TAG, SEQ_FIELD } from './line-protocol.js'

/**
 * Pure helpers for reading mimamori's layout back out of VictoriaMetrics (MetricsQL and
 * /api/v1/export), kept apart from the HTTP code so they are unit-tested without a server.
 */

/**
 * VictoriaMetrics' query_range rewrites points newer than now − `-search.latencyOffset` (30 s by
 * default) with the previous value, even with `nocache=1` (`adjustLastPoints` in vmselect). Range
 * queries are therefore evaluated at least this far in the past and shifted forward with a
 * negative `offset`; instant queries with `nocache=1` are exact and need no shift.
 */
export const LATENCY_MARGIN_MS = 60_000
/** Below VictoriaMetrics' default `-search.maxPointsPerTimeseries` (30 000). */
export const MAX_POINTS_PER_QUERY = 10_000
/** Lower bound of "all time" windows: MetricsQL windows reaching before 1970 return nothing. */
export const ALL_TIME_FROM_MS = Date.UTC(2000, 0, 1)
/** VictoriaMetrics refuses samples more than 2 days ahead, so "now + 2 d" sees every stored sample. */
export const FUTURE_SLACK_MS = 2 * 86_400_000

/** A PromQL string literal (Go-style escapes are a superset of JSON's). */
export const promString = (value: string) => JSON.stringify(value)

/** Seconds with millisecond precision, as VictoriaMetrics' `start`, `end` and `time` take them. */
export const seconds = (ms: number) => (ms / 1000).toFixed(3)

/** The series of one metric of one device: `{__name__="mimamori_water_depth_cm",device="p-1"}`. */
export function metricSelector(measurement: string, metric: string, deviceId?: string): string {
  const device = deviceId === undefined ? `${DEVICE_TAG}!=""` : `${DEVICE_TAG}=${promString(deviceId)}`
  return `{__name__=${promString(`${measurement}_${metric}`)},${device}}`
}

/**
 * Every metric series (not the seq series) of one device or of all devices. `device!=""` keeps
 * mimamori's own Prometheus metrics (same `mimamori_` prefix, no `device` label) out if an
 * operator scrapes them into the same VictoriaMetrics.
 */
export function readingsSelector(measurement: string, deviceId?: string): string {
  const device = deviceId === undefined ? `${DEVICE_TAG}!=""` : `${DEVICE_TAG}=${promString(deviceId)}`
  return `{__name__=~${promString(`${measurement}_.+`)},__name__!=${promString(`${measurement}_${SEQ_FIELD}`)},${device}}`
}

/** The metric name inside a series name, or undefined if the series is not one of ours. */
export function metricOf(seriesName: string | undefined, measurement: string): string | undefined {
  const prefix = `${measurement}_`
  if (!seriesName?.startsWith(prefix)) return undefined
  const metric = seriesName.slice(prefix.length)
  return metric === SEQ_FIELD ? undefined : metric
}

const AGGREGATES = [
  ['min', 'min_over_time'],
  ['max', 'max_over_time'],
  ['avg', 'avg_over_time'],
  ['last', 'last_over_time'],
  ['count', 'count_over_time'],
] as const
type Aggregate = (typeof AGGREGATES)[number][0]

/**
 * All five bucket aggregates in one request, told apart by an `agg` label. A rollup window
 * `[w]` at time t covers (t − w, t], so evaluating at `bucket + step − 1` with `[step]` covers
 * exactly [bucket, bucket + step − 1] in integer ms — the DuckDB store's `floor(ts / step)` bucket.
 */
export function aggregatesQuery(selector: string, windowMs: number, shiftMs = 0): string {
  const shift = shiftMs > 0 ? ` offset -${shiftMs}ms` : ''
  const parts = AGGREGATES.map(
    ([name, fn]) => `label_set(${fn}(${selector}[${windowMs}ms]${shift}),"agg",${promString(name)})`,
  )
  return `union(${parts.join(',')})`
}

export interface BucketPlan {
  /** Whole buckets [first, last] (bucket starts), read with range queries. */
  full?: { first: number; last: number }
  /** Buckets cut by `from` or `to`, read with one exact instant query each. */
  edges: Array<{ bucket: number; from: number; to: number }>
}

/** Splits [from, to] into whole buckets (range query) and at most two partial ones at the ends. */
export function planBuckets(from: number, to: number, step: number): BucketPlan {
  const plan: BucketPlan = { edges: [] }
  if (to < from) return plan
  const first = Math.floor(from / step) * step
  const last = Math.floor(to / step) * step
  const isWhole = (b: number) => b >= from && b + step - 1 <= to
  let fullFirst = first
  let fullLast = last
  if (!isWhole(first)) {
    plan.edges.push({ bucket: first, from, to: Math.min(to, first + step - 1) })
    fullFirst = first + step
  }
  if (last !== first && !isWhole(last)) {
    plan.edges.push({ bucket: last, from: last, to })
    fullLast = last - step
  }
  if (fullFirst <= fullLast) plan.full = { first: fullFirst, last: fullLast }
  return plan
}

/** A series in a /api/v1/query (`value`) or /api/v1/query_range (`values`) answer. */
export interface PromSeries {
  metric: Record<string, string>
  value?: [number, string]
  values?: Array<[number, string]>
}

/**
 * Folds `aggregatesQuery` answers into buckets. `bucketOf` maps an evaluation time (ms) back to
 * its bucket start. Buckets without samples have no `count` series point and are left out, as in
 * the DuckDB store.
 */
export function collectBuckets(
  series: readonly PromSeries[],
  bucketOf: (evalMs: number) => number,
  into: Map<number, Partial<BucketPoint>>,
): void {
  for (const s of series) {
    const agg = s.metric.agg as Aggregate | undefined
    if (!agg) continue
    for (const [t, v] of s.values ?? (s.value ? [s.value] : [])) {
      const value = Number(v)
      if (!Number.isFinite(value)) continue
      const bucket = bucketOf(Math.round(t * 1000))
      const point = into.get(bucket) ?? { ts: bucket }
      point[agg] = value
      into.set(bucket, point)
    }
  }
}

export function completeBuckets(buckets: Map<number, Partial<BucketPoint>>): BucketPoint[] {
  const out: BucketPoint[] = []
  for (const b of buckets.values()) {
    if (!b.count) continue
    const { ts = 0, min = Number.NaN, max = Number.NaN, avg = Number.NaN, last = Number.NaN, count } = b
    out.push({ ts, min, max, avg, last, count })
  }
  return out.sort((a, b) => a.ts - b.ts)
}

/** One line of /api/v1/export: a series with its raw samples. */
export interface ExportLine {
  metric: Record<string, string>
  values: Array<number | null>
  timestamps: number[]
}

export function parseExportLine(line: string): ExportLine | undefined {
  if (line.trim() === '') return undefined
  const parsed = JSON.parse(line) as Partial<ExportLine>
  if (!parsed.metric || !Array.isArray(parsed.values) || !Array.isArray(parsed.timestamps)) {
    throw new Error(`unexpected export line: ${line.slice(0, 200)}`)
  }
  return parsed as ExportLine
}

/** Samples of an export line as (ts, value) pairs, skipping NaN (VictoriaMetrics' staleness markers). */
export function* samples(line: ExportLine): Generator<{ ts: number; value: number }> {
  for (let i = 0; i < line.timestamps.length; i++) {
    const value = line.values[i]
    const ts = line.timestamps[i]
    if (typeof value === 'number' && Number.isFinite(value) && ts !== undefined) yield { ts, value }
  }
}
