import { Point } from '@influxdata/influxdb-client'
import type { StoredReading } from '../store.js'

/** Default measurement: VictoriaMetrics turns `mimamori` + field `water_depth_cm` into `mimamori_water_depth_cm`. */
export const DEFAULT_MEASUREMENT = 'mimamori'
export const DEVICE_TAG = 'device'
/**
 * The reading's `seq`, stored as an integer field beside the metrics. The leading underscore is
 * deliberate: metric names are `^[a-z][a-z0-9_]*$` (firmware-contracts/telemetry.ts), so no device
 * metric can ever be called `_seq` — a plain `seq` field would be overwritten by a device that
 * sends a metric named `seq`, and VictoriaMetrics' `measurement_field` flattening could not tell
 * them apart either.
 */
export const SEQ_FIELD = '_seq'

const MEASUREMENT_PATTERN = /^[a-z][a-z0-9_]{0,63}$/

/** Measurement names go into PromQL regexes unescaped, so they are restricted to snake_case. */
export function checkMeasurement(name: string): string {
  if (!MEASUREMENT_PATTERN.test(name))
    throw new Error(`measurement ${JSON.stringify(name)} is not snake_case`)
  return name
}

/** One line of line protocol: every metric of one device at one timestamp, plus its seq. */
export interface PointSpec {
  deviceId: string
  /** epoch ms, integer */
  ts: number
  seq: number
  fields: Map<string, number>
}

/**
 * Groups rows into one point per (device, ts), in first-seen order. The TSDB keys a point on
 * series + timestamp, so rows of the same (device, ts) are one point there whatever we do; merging
 * them here makes that explicit: a later row's metric value and seq win, as they would in the TSDB.
 * Non-finite values have no line-protocol form (ingest rejects them before this); they are skipped
 * and counted, since throwing would make the batch writer retry the batch forever.
 */
export function groupIntoPoints(rows: readonly StoredReading[]): { points: PointSpec[]; skipped: number } {
  const byKey = new Map<string, PointSpec>()
  let skipped = 0
  for (const row of rows) {
    const ts = Math.floor(row.ts)
    const key = `${row.deviceId}\u0000${ts}`
    let point = byKey.get(key)
    if (!point) {
      point = { deviceId: row.deviceId, ts, seq: row.seq, fields: new Map() }
      byKey.set(key, point)
    }
    point.seq = row.seq
    if (Number.isFinite(row.value)) point.fields.set(row.metric, row.value)
    else skipped++
  }
  return { points: [...byKey.values()], skipped }
}

/** The client's Point, which does the line-protocol escaping; the timestamp is in ms (write precision). */
export function toPoint(spec: PointSpec, measurement: string): Point {
  const point = new Point(measurement).tag(DEVICE_TAG, spec.deviceId).timestamp(spec.ts)
  for (const [metric, value] of spec.fields) point.floatField(metric, value)
  // uint32 seq fits an int64 field; `i` keeps it an integer in InfluxDB (VictoriaMetrics stores floats anyway)
  point.intField(SEQ_FIELD, spec.seq)
  return point
}
