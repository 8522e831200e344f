import {
  type DeviceKind,
  KIND_METRICS,
  PRIMARY_METRIC,
  type RejectReason,
} from '../../firmware-contracts/index.js'
import { HOUR_MS } from '../models/calendar.js'
import type { Random } from '../random.js'
import type { FaultSpec, FaultType } from './schema.js'

/** What the faults did to one reading. */
export interface ReadingFate {
  /** The metrics as the device reports them. */
  m: Record<string, number>
  /** Added to the reading's ts (clock skew). */
  tsSkewMs: number
  /** `send`: publish now; `hold`: keep for a backfill batch (outage); `drop`: never sent. */
  action: 'send' | 'hold' | 'drop'
  dropReason?: 'dropout' | 'battery-cutoff' | 'outage'
  /** Publish the same message twice. */
  duplicate: boolean
  /** Replace the payload with a broken one. */
  malformed: boolean
  /** The faults that changed something about this reading, in file order. */
  applied: FaultType[]
}

/** Applies a device's faults, in file order, to each reading; keeps per-fault state (stuck values, drain start). */
export interface FaultChain {
  apply(offsetMs: number, truth: Readonly<Record<string, number>>): ReadingFate
}

/**
 * Builds the fault chain of one device. Faults act on readings measured in `[from, to)`.
 * Changed values are clamped to the sensor range, so a faulty sensor still sends values ingest
 * accepts (the sensor-fault rules, not the schema, should catch them); `malformed` is the fault
 * that breaks the payload.
 * @example createFaultChain('rail', [{ type: 'stuck', device: 'rail-01', from: 0, to: 3600000 }], random)
 */
export function createFaultChain(kind: DeviceKind, faults: readonly FaultSpec[], random: Random): FaultChain {
  const frozen = new Map<FaultSpec, Record<string, number>>()
  const drainStartV = new Map<FaultSpec, number>()
  const metricsOf = (f: { metrics?: string[] | undefined }) => f.metrics ?? [PRIMARY_METRIC[kind]]
  return {
    apply(offsetMs, truth) {
      const fate: ReadingFate = {
        m: { ...truth },
        tsSkewMs: 0,
        action: 'send',
        duplicate: false,
        malformed: false,
        applied: [],
      }
      for (const f of faults) {
        if (offsetMs < f.from || offsetMs >= f.to) continue
        const hours = (offsetMs - f.from) / HOUR_MS
        let changed = true
        switch (f.type) {
          case 'stuck': {
            const values = frozen.get(f) ?? pick(fate.m, metricsOf(f))
            frozen.set(f, values)
            Object.assign(fate.m, values)
            break
          }
          case 'drift':
            for (const metric of metricsOf(f)) adjust(kind, fate.m, metric, f.perHour * hours)
            break
          case 'spikes': {
            changed = random.next() < f.probability
            const sign = f.direction === 'up' ? 1 : f.direction === 'down' ? -1 : random.next() < 0.5 ? -1 : 1
            if (changed) for (const metric of metricsOf(f)) adjust(kind, fate.m, metric, sign * f.magnitude)
            break
          }
          case 'dropout':
            fate.action = 'drop'
            fate.dropReason = 'dropout'
            break
          case 'battery-drain': {
            const startV = drainStartV.get(f) ?? fate.m.battery_v ?? 0
            drainStartV.set(f, startV)
            setClamped(kind, fate.m, 'battery_v', startV - f.vPerHour * hours)
            if (f.cutoffV !== undefined && (fate.m.battery_v ?? 0) < f.cutoffV) {
              fate.action = 'drop'
              fate.dropReason = 'battery-cutoff'
            }
            break
          }
          case 'clock-skew':
            fate.tsSkewMs += f.skew
            break
          case 'duplicate':
            changed = random.next() < f.probability
            fate.duplicate ||= changed
            break
          case 'malformed':
            changed = random.next() < f.probability
            fate.malformed ||= changed
            break
          case 'outage':
            if (fate.action !== 'drop') fate.action = f.backfill ? 'hold' : 'drop'
            if (!f.backfill) fate.dropReason = 'outage'
            break
        }
        if (changed) fate.applied.push(f.type)
      }
      return fate
    },
  }
}

function pick(m: Record<string, number>, metrics: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const metric of metrics) if (metric in m) out[metric] = m[metric] as number
  return out
}

/** Adds `delta` to a metric the reading has. */
function adjust(kind: DeviceKind, m: Record<string, number>, metric: string, delta: number): void {
  if (m[metric] !== undefined) setClamped(kind, m, metric, m[metric] + delta)
}

/** Sets a metric, clamped to the sensor range the contract declares. */
function setClamped(kind: DeviceKind, m: Record<string, number>, metric: string, value: number): void {
  const spec = KIND_METRICS[kind][metric]
  if (spec) m[metric] = Number(Math.min(spec.max, Math.max(spec.min, value)).toFixed(2))
}

/** A broken telemetry payload and the reason ingest should give when it refuses it. */
export interface MalformedPayload {
  payload: string
  variant: string
  expectedReason: RejectReason
}

/**
 * Payloads buggy firmware really sends: cut-off JSON, modem noise, a negative seq, a missing
 * `m`, an unexpected field, ts in seconds instead of ms, every value as a string.
 * @example malformedPayload({ ts: 1782864000000, seq: 4, m: { rail_temp_c: 41 } }, random).expectedReason
 */
export function malformedPayload(
  reading: { ts: number; seq: number; m: Record<string, number> },
  random: Random,
): MalformedPayload {
  const json = JSON.stringify(reading)
  const variants: Array<() => MalformedPayload> = [
    () => ({
      payload: json.slice(0, Math.floor(json.length / 2)),
      variant: 'truncated',
      expectedReason: 'bad_json',
    }),
    () => ({ payload: 'AT+CME ERROR: 30\r\n', variant: 'modem-noise', expectedReason: 'bad_json' }),
    () => ({
      payload: JSON.stringify({ ...reading, seq: -1 }),
      variant: 'negative-seq',
      expectedReason: 'schema',
    }),
    () => ({
      payload: JSON.stringify({ ts: reading.ts, seq: reading.seq }),
      variant: 'missing-m',
      expectedReason: 'schema',
    }),
    () => ({
      payload: JSON.stringify({ ...reading, fw: '1.0.3' }),
      variant: 'extra-field',
      expectedReason: 'schema',
    }),
    () => ({
      payload: JSON.stringify({ ...reading, ts: Math.floor(reading.ts / 1000) }),
      variant: 'ts-in-seconds',
      expectedReason: 'schema',
    }),
    () => ({
      payload: JSON.stringify({
        ...reading,
        m: Object.fromEntries(Object.entries(reading.m).map(([k, v]) => [k, String(v)])),
      }),
      variant: 'values-as-strings',
      expectedReason: 'out_of_range',
    }),
  ]
  const make = variants[Math.floor(random.next() * variants.length)] ?? variants[0]
  return (make as () => MalformedPayload)()
}
