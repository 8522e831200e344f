import { unitOf } from '../../firmware-contracts/index.js'
import type { ImageRecord } from '../store/meta-store.js'
import { formatDuration } from './duration.js'
import type { RuleTransition } from './evaluator.js'
import type { FaultKind } from './rules/fault.js'
import type { SilenceCause } from './rules/silence.js'

/** What an alert rests on, stored with it and sent with every event (docs/alerts.md, "Evidence"). */
export interface AlertEvidence {
  metric: string
  unit: string
  value: number
  threshold: number
  op?: 'above' | 'below'
  /** When the condition began (hold, rate window, fault). */
  since?: number
  /** Paddy crop stage at the time. */
  stage?: string
  /** The last readings of the metric up to the trigger, oldest first (for a mini chart). */
  trend: Array<{ ts: number; value: number }>
  /** The rate and its threshold as people read them (e.g. cm/h for a level in m). */
  rate?: { value: number; threshold: number; perMs: number; unit: string }
  forecast?: { target: number; etaMs: number; reachesAt: number; ratePerHour: number }
  fault?: FaultKind
  silence?: {
    lastSeenAt: number | null
    expectedIntervalMs: number
    intervalSource: 'configured' | 'learned' | 'default'
    missed: number
    cause: SilenceCause
  }
  gateway?: { gatewayId: string; silent: string[]; total: number; reason: 'gateway_offline' | 'all_silent' }
  /** The camera image nearest the trigger time (reservoirs with a camera). */
  image?: { deviceId: string; captureTs: number; url: string; offsetMs: number }
  /** Raised by a reading that arrived late (gateway backfill, or older than the configured lag). */
  late?: boolean
  /** The reading's ts was ahead of its arrival by more than the tolerance; evaluated at arrival time. */
  clockSkewMs?: number
}

/** The last `size` points of one (device, metric), oldest first, in a ring: no object per point. */
class TrendSeries {
  private readonly ts: Float64Array
  private readonly values: Float64Array
  private start = 0
  private length = 0

  constructor(private readonly size: number) {
    this.ts = new Float64Array(size)
    this.values = new Float64Array(size)
  }

  push(ts: number, value: number) {
    if (this.length > 0 && ts < (this.ts[(this.start + this.length - 1) % this.size] as number)) {
      // late reading (rare): insert in ts order so the mini chart stays a line
      const points = this.points()
      const i = points.findIndex((p) => p.ts > ts)
      points.splice(i, 0, { ts, value })
      this.start = 0
      this.length = 0
      for (const p of points.slice(-this.size)) this.push(p.ts, p.value)
      return
    }
    if (this.length < this.size) {
      const i = (this.start + this.length) % this.size
      this.ts[i] = ts
      this.values[i] = value
      this.length++
    } else {
      this.ts[this.start] = ts
      this.values[this.start] = value
      this.start = (this.start + 1) % this.size
    }
  }

  points(upTo = Number.POSITIVE_INFINITY): Array<{ ts: number; value: number }> {
    const out: Array<{ ts: number; value: number }> = []
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.size
      const ts = this.ts[i] as number
      if (ts <= upTo) out.push({ ts, value: this.values[i] as number })
    }
    return out
  }

  last(): { ts: number; value: number } | undefined {
    if (this.length === 0) return undefined
    const i = (this.start + this.length - 1) % this.size
    return { ts: this.ts[i] as number, value: this.values[i] as number }
  }
}

/**
 * The last `size` readings of each (device, metric) a rule watches, for the trend in an alert.
 * Bounded: `size` points per pair, and only metrics some rule uses. Pushed for every reading on
 * the ingest path, so points live in typed-array rings and objects are made only for an alert.
 */
export function createTrendBuffer(size: number) {
  const series = new Map<string, Map<string, TrendSeries>>()
  const of = (deviceId: string, metric: string) => series.get(deviceId)?.get(metric)
  return {
    /** The values of `m` whose metric is in `watched`. */
    push(deviceId: string, ts: number, m: Readonly<Record<string, number>>, watched: ReadonlySet<string>) {
      let metrics = series.get(deviceId)
      if (!metrics) {
        metrics = new Map()
        series.set(deviceId, metrics)
      }
      for (const metric in m) {
        if (!watched.has(metric)) continue
        let list = metrics.get(metric)
        if (!list) {
          list = new TrendSeries(size)
          metrics.set(metric, list)
        }
        list.push(ts, m[metric] as number)
      }
    },
    /** Points at or before `ts`, oldest first. */
    upTo(deviceId: string, metric: string, ts: number): Array<{ ts: number; value: number }> {
      return of(deviceId, metric)?.points(ts) ?? []
    },
    last(deviceId: string, metric: string): { ts: number; value: number } | undefined {
      return of(deviceId, metric)?.last()
    },
    forget(deviceId: string) {
      series.delete(deviceId)
    },
  }
}

export type TrendBuffer = ReturnType<typeof createTrendBuffer>

/** The image nearest `at` within ±`windowMs`, or undefined. */
export async function nearestImage(
  images: { list(deviceId: string, from: number, to: number, limit: number): Promise<ImageRecord[]> },
  deviceId: string,
  at: number,
  windowMs: number,
): Promise<AlertEvidence['image']> {
  const found = await images.list(deviceId, at - windowMs, at + windowMs, 100)
  let best: ImageRecord | undefined
  for (const image of found)
    if (!best || Math.abs(image.captureTs - at) < Math.abs(best.captureTs - at)) best = image
  if (!best) return undefined
  return {
    deviceId,
    captureTs: best.captureTs,
    url: `/api/v1/devices/${encodeURIComponent(deviceId)}/images/${best.captureTs}`,
    offsetMs: best.captureTs - at,
  }
}

/** The evidence of a value rule's transition: value, level, trend up to the reading, rate or forecast. */
export function transitionEvidence(
  t: RuleTransition,
  trendOf: (metric: string) => Array<{ ts: number; value: number }>,
  extra: { late: boolean; clockSkewMs?: number },
): AlertEvidence {
  const spec = t.rule
  const metric = spec.type === 'battery' ? 'battery_v' : 'metric' in spec ? spec.metric : ''
  const unit = unitOf(metric)
  const e: AlertEvidence = { metric, unit, value: t.value, threshold: t.threshold, trend: trendOf(metric) }
  if ('op' in spec) e.op = spec.op
  if (spec.type === 'battery') e.op = 'below'
  if (t.since !== undefined) e.since = t.since
  if (t.stage !== undefined) e.stage = t.stage
  if (t.fault) e.fault = t.fault
  if (t.rate !== undefined && spec.type === 'rate') {
    const factor = spec.display?.factor ?? 1
    const rateUnit = spec.display?.unit ?? `${unit}/${formatDuration(spec.perMs)}`
    e.rate = { value: t.rate * factor, threshold: t.threshold * factor, perMs: spec.perMs, unit: rateUnit }
  }
  if (t.forecast) e.forecast = { target: t.threshold, ...t.forecast }
  if (extra.late) e.late = true
  if (extra.clockSkewMs !== undefined) e.clockSkewMs = extra.clockSkewMs
  return e
}
