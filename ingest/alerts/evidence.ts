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

/**
 * The last `size` readings of each (device, metric) a rule watches, for the trend in an alert.
 * Bounded: `size` points per pair, and only metrics some rule uses.
 */
export function createTrendBuffer(size: number) {
  const series = new Map<string, Map<string, Array<{ ts: number; value: number }>>>()
  const of = (deviceId: string, metric: string) => series.get(deviceId)?.get(metric)
  return {
    push(deviceId: string, metric: string, ts: number, value: number) {
      let metrics = series.get(deviceId)
      if (!metrics) {
        metrics = new Map()
        series.set(deviceId, metrics)
      }
      let list = metrics.get(metric)
      if (!list) {
        list = []
        metrics.set(metric, list)
      }
      if (list.length > 0 && ts < (list.at(-1)?.ts ?? 0)) {
        // late reading: insert in ts order so the mini chart stays a line
        const i = list.findIndex((p) => p.ts > ts)
        list.splice(i, 0, { ts, value })
      } else list.push({ ts, value })
      if (list.length > size) list.shift()
    },
    /** Points at or before `ts`, oldest first. */
    upTo(deviceId: string, metric: string, ts: number): Array<{ ts: number; value: number }> {
      return (of(deviceId, metric) ?? []).filter((p) => p.ts <= ts)
    },
    last(deviceId: string, metric: string): { ts: number; value: number } | undefined {
      return of(deviceId, metric)?.at(-1)
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
