import { z } from 'zod'
import { type DeviceKind, metricSpec } from './kinds.js'
import { createReadingScanner } from './reading-scan.js'
import type { RejectReason } from './reasons.js'
import { MAX_TS_MS, MIN_TS_MS, TimestampSchema } from './timestamp.js'

export const MAX_BATCH_READINGS = 1000
export const MAX_METRICS_PER_READING = 32
export const UINT32_MAX = 4_294_967_295

const METRIC_NAME = /^[a-z][a-z0-9_]{0,63}$/

/** Metric names are snake_case with the unit as suffix (`water_depth_cm`). */
export const MetricNameSchema = z.string().regex(METRIC_NAME, 'metric names are snake_case, 1-64 chars')

function readingSchema<V extends z.ZodType>(value: V) {
  return z.strictObject({
    ts: TimestampSchema,
    seq: z.number().int().min(0).max(UINT32_MAX).meta({ description: 'uint32 sequence number; may wrap' }),
    m: z
      .record(MetricNameSchema, value)
      .refine((m) => Object.keys(m).length >= 1, 'at least one metric')
      .refine(
        (m) => Object.keys(m).length <= MAX_METRICS_PER_READING,
        `at most ${MAX_METRICS_PER_READING} metrics`,
      )
      .meta({ minProperties: 1, maxProperties: MAX_METRICS_PER_READING }),
  })
}

function batchSchema<V extends z.ZodType>(value: V) {
  return z.strictObject({
    batch: z.array(readingSchema(value)).min(1).max(MAX_BATCH_READINGS),
  })
}

/**
 * One reading: `{ ts, seq, m: { metric: number } }`.
 * @example ReadingSchema.parse({ ts: 1782864000000, seq: 1, m: { water_depth_cm: 8.2 } })
 */
export const ReadingSchema = readingSchema(z.number())
/** A batch of readings with their original timestamps (gateway backfill). */
export const BatchSchema = batchSchema(z.number())
/** What a device publishes on `v1/devices/{id}/telemetry`. */
export const TelemetryPayloadSchema = z.union([ReadingSchema, BatchSchema])
export type TelemetryPayload = z.input<typeof TelemetryPayloadSchema>

// Ingest parses metric values as unknown so an impossible value (1e999 parses to Infinity) is
// refused for that metric alone, as DESIGN.md pins, instead of failing the whole message.
const LenientReading = readingSchema(z.unknown())
const LenientBatch = batchSchema(z.unknown())

/** A reading that passed validation; `ts` in epoch ms. */
export interface Reading {
  ts: number
  seq: number
  m: Record<string, number>
}

export interface MetricRejection {
  seq: number
  metric: string
  value: unknown
  reason: 'out_of_range'
  detail: string
}

export type TelemetryVerdict =
  | {
      ok: true
      readings: Reading[]
      /** True when the payload was a `{ batch: [...] }`. */
      batch: boolean
      rejectedMetrics: MetricRejection[]
      /** Metrics this kind does not declare: kept, flagged. */
      unknownMetrics: string[]
    }
  | { ok: false; reason: RejectReason; detail: string; rejectedMetrics: MetricRejection[] }

type LenientReading = { ts: number; seq: number; m: Record<string, unknown> }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Own enumerable keys, counted without the array `Object.keys` would allocate per message. */
function keyCount(o: Record<string, unknown>): number {
  let n = 0
  for (const key in o) if (Object.hasOwn(o, key)) n++
  return n
}

/**
 * The common shape (`ts` in epoch ms, as every device here sends it) checked by hand, exactly as
 * the lenient zod schemas would accept it; anything else (RFC 3339 strings, every refusal) goes
 * through zod, which also words the reasons. Cuts validation cost several-fold on the hot path
 * (profiled: zod was ~30 % of the ingest core's busy time). telemetry.test.ts checks that both
 * agree on the vectors and on generated payloads.
 */
function fastReading(value: unknown): LenientReading | undefined {
  if (!isObject(value)) return undefined
  const { ts, seq, m } = value
  if (keyCount(value) !== 3) return undefined
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < MIN_TS_MS || ts > MAX_TS_MS)
    return undefined
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || seq > UINT32_MAX) return undefined
  if (!isObject(m)) return undefined
  const names = keyCount(m)
  if (names < 1 || names > MAX_METRICS_PER_READING) return undefined
  for (const name in m) if (!METRIC_NAME.test(name)) return undefined
  return { ts, seq, m }
}

function fastParse(parsed: unknown, isBatch: boolean): LenientReading[] | undefined {
  if (!isBatch) {
    const reading = fastReading(parsed)
    return reading ? [reading] : undefined
  }
  if (!isObject(parsed) || Object.keys(parsed).length !== 1) return undefined
  const batch = parsed.batch
  if (!Array.isArray(batch) || batch.length < 1 || batch.length > MAX_BATCH_READINGS) return undefined
  const readings: LenientReading[] = []
  for (const item of batch) {
    const reading = fastReading(item)
    if (!reading) return undefined
    readings.push(reading)
  }
  return readings
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
}

/** The common single reading read straight from the bytes, under the same rules as the path below. */
const scanReading = createReadingScanner({
  maxSeq: UINT32_MAX,
  maxMetrics: MAX_METRICS_PER_READING,
  isMetricName: (name) => METRIC_NAME.test(name),
})

/** Every value a finite number within its sensor's range (unknown metrics count as accepted). */
function allAccepted(kind: DeviceKind, m: Record<string, unknown>): boolean {
  for (const metric in m) {
    const value = m[metric]
    if (typeof value !== 'number' || !Number.isFinite(value)) return false
    const spec = metricSpec(kind, metric)
    if (spec && (value < spec.min || value > spec.max)) return false
  }
  return true
}

/**
 * Parses and validates a telemetry payload for a device of `kind`.
 * @example validateTelemetry('paddy', Buffer.from('{"ts":1782864000000,"seq":1,"m":{"water_depth_cm":8}}'))
 */
export function validateTelemetry(
  kind: DeviceKind,
  payload: Uint8Array | string,
  options: { zodOnly?: boolean } = {},
): TelemetryVerdict {
  if (typeof payload !== 'string' && !options.zodOnly) {
    const reading = scanReading(kind, payload)
    if (reading)
      return { ok: true, readings: [reading], batch: false, rejectedMetrics: [], unknownMetrics: [] }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString('utf8')
          : // a view, not a copy, of the received bytes
            Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
    )
  } catch (err) {
    return { ok: false, reason: 'bad_json', detail: (err as Error).message, rejectedMetrics: [] }
  }
  const isBatch = typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, 'batch')
  let raw = options.zodOnly ? undefined : fastParse(parsed, isBatch)
  if (!raw) {
    const result = isBatch ? LenientBatch.safeParse(parsed) : LenientReading.safeParse(parsed)
    if (!result.success) {
      return { ok: false, reason: 'schema', detail: describeIssues(result.error), rejectedMetrics: [] }
    }
    raw = 'batch' in result.data ? result.data.batch : [result.data]
  }
  const readings: Reading[] = []
  const rejectedMetrics: MetricRejection[] = []
  // the common case has none, and then no set is allocated for them
  let unknown: Set<string> | undefined
  for (const reading of raw) {
    if (allAccepted(kind, reading.m)) {
      // the common case: the reading as parsed is the result (no copy; nothing else holds it)
      for (const metric in reading.m) {
        if (metricSpec(kind, metric)) continue
        unknown ??= new Set()
        unknown.add(metric)
      }
      readings.push(reading as Reading)
      continue
    }
    const m: Record<string, number> = {}
    for (const [metric, value] of Object.entries(reading.m)) {
      const spec = metricSpec(kind, metric)
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        rejectedMetrics.push({
          seq: reading.seq,
          metric,
          value,
          reason: 'out_of_range',
          detail: 'not a finite number',
        })
        continue
      }
      if (!spec) {
        unknown ??= new Set()
        unknown.add(metric)
      } else if (value < spec.min || value > spec.max) {
        rejectedMetrics.push({
          seq: reading.seq,
          metric,
          value,
          reason: 'out_of_range',
          detail: `${value} outside the sensor range ${spec.min}..${spec.max} ${spec.unit}`,
        })
        continue
      }
      m[metric] = value
    }
    if (Object.keys(m).length > 0) readings.push({ ts: reading.ts, seq: reading.seq, m })
  }
  if (readings.length === 0) {
    const detail = rejectedMetrics.map((r) => `${r.metric}: ${r.detail}`).join('; ')
    return { ok: false, reason: 'out_of_range', detail, rejectedMetrics }
  }
  return { ok: true, readings, batch: isBatch, rejectedMetrics, unknownMetrics: unknown ? [...unknown] : [] }
}
