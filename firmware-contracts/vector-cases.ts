import type { DeviceKind } from './kinds.js'
import type { RejectReason } from './reasons.js'

/**
 * Example payloads for firmware teams and our own tests. `payload` is the exact text on the wire.
 * Written out to vectors/telemetry.json by `npm run contracts:gen`.
 */
export interface TelemetryVector {
  name: string
  kind: DeviceKind
  payload: string
  expect:
    | { ok: true; readings: number; rejectedMetrics?: string[]; unknownMetrics?: string[] }
    | { ok: false; reason: RejectReason }
}

const T = 1_782_864_000_000 // 2026-07-01T00:00:00Z

export const TELEMETRY_VECTORS: TelemetryVector[] = [
  {
    name: 'paddy reading, epoch ms',
    kind: 'paddy',
    payload: JSON.stringify({
      ts: T,
      seq: 1,
      m: { water_depth_cm: 8.4, water_temp_c: 24.1, battery_v: 3.61 },
    }),
    expect: { ok: true, readings: 1 },
  },
  {
    name: 'reservoir reading, RFC 3339 with +09:00',
    kind: 'reservoir',
    payload: JSON.stringify({
      ts: '2026-07-01T09:00:00+09:00',
      seq: 77,
      m: { water_level_m: 12.35, rain_mm_h: 18 },
    }),
    expect: { ok: true, readings: 1 },
  },
  {
    name: 'rail reading with rssi',
    kind: 'rail',
    payload: JSON.stringify({
      ts: T,
      seq: 4294967295,
      m: { rail_temp_c: 48.2, ambient_temp_c: 33.5, rssi_dbm: -87 },
    }),
    expect: { ok: true, readings: 1 },
  },
  {
    name: 'gateway backfill batch',
    kind: 'paddy',
    payload: JSON.stringify({
      batch: [
        { ts: T, seq: 10, m: { water_depth_cm: 7.9 } },
        { ts: T + 600_000, seq: 11, m: { water_depth_cm: 7.7 } },
        { ts: T + 1_200_000, seq: 12, m: { water_depth_cm: 7.4 } },
      ],
    }),
    expect: { ok: true, readings: 3 },
  },
  {
    name: 'unknown metric is kept and flagged',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: 2, m: { water_depth_cm: 5, soil_ec_ms: 1.2 } }),
    expect: { ok: true, readings: 1, unknownMetrics: ['soil_ec_ms'] },
  },
  {
    name: 'one impossible metric is refused, the others kept',
    kind: 'rail',
    payload: JSON.stringify({ ts: T, seq: 3, m: { rail_temp_c: 180, ambient_temp_c: 30 } }),
    expect: { ok: true, readings: 1, rejectedMetrics: ['rail_temp_c'] },
  },
  {
    name: 'not JSON',
    kind: 'paddy',
    payload: '{"ts": 1782864000000, "seq": 1, "m": {',
    expect: { ok: false, reason: 'bad_json' },
  },
  {
    name: 'missing seq',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, m: { water_depth_cm: 5 } }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'negative seq',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: -1, m: { water_depth_cm: 5 } }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'timestamp without offset',
    kind: 'paddy',
    payload: JSON.stringify({ ts: '2026-07-01T09:00:00', seq: 1, m: { water_depth_cm: 5 } }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'timestamp in seconds, not ms',
    kind: 'paddy',
    payload: JSON.stringify({ ts: 1_782_864_000, seq: 1, m: { water_depth_cm: 5 } }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'empty metrics',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: 1, m: {} }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'metric name with upper case',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: 1, m: { WaterDepth: 5 } }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'extra top-level field',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: 1, m: { water_depth_cm: 5 }, extra: true }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'empty batch',
    kind: 'paddy',
    payload: JSON.stringify({ batch: [] }),
    expect: { ok: false, reason: 'schema' },
  },
  {
    name: 'every metric out of range',
    kind: 'paddy',
    payload: JSON.stringify({ ts: T, seq: 1, m: { water_depth_cm: 500 } }),
    expect: { ok: false, reason: 'out_of_range' },
  },
  {
    name: 'Infinity via an overflowing literal',
    kind: 'reservoir',
    payload: `{"ts":${T},"seq":1,"m":{"water_level_m":1e999}}`,
    expect: { ok: false, reason: 'out_of_range' },
  },
  {
    name: 'value as a string',
    kind: 'reservoir',
    payload: JSON.stringify({ ts: T, seq: 1, m: { water_level_m: '12.3' } }),
    expect: { ok: false, reason: 'out_of_range' },
  },
  {
    name: 'prototype key',
    kind: 'paddy',
    payload: `{"ts":${T},"seq":1,"m":{"water_depth_cm":5},"__proto__":{"x":1}}`,
    expect: { ok: false, reason: 'schema' },
  },
]
