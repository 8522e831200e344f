import { flux, fluxDuration, fluxExpression, type InfluxDB } from '@influxdata/influxdb-client'
import type { ReadingKey } from '../../dedupe.js'
import type { BucketPoint, LatestValue, RangeQuery, RawPoint, StoredReading } from '../store.js'
import { SEQ_FIELD } from './line-protocol.js'
import type { Reads } from './victoria-reads.js'

/**
 * Reads for InfluxDB 2.x with Flux.
 *
 * UNTESTED: no InfluxDB 2 server is available to the test suite (VictoriaMetrics, which the suite
 * runs, does not speak Flux). The queries are deliberately plain; treat this as a starting point
 * and verify against a real server before relying on it. InfluxDB 3 has no Flux at all — use
 * its writes only, or add SQL reads.
 */
export function createFluxReads(options: {
  influx: InfluxDB
  org: string
  bucket: string
  measurement: string
  latestLookbackMs: number
}): Reads {
  const api = options.influx.getQueryApi(options.org)
  const { bucket, measurement } = options
  interface Row {
    _time: string
    _value: number
    _field: string
    device: string
  }
  const rows = (query: ReturnType<typeof flux>) => api.collectRows<Row>(query)
  const ms = (time: string) => Date.parse(time)
  // range() stops are exclusive; the store's ranges are inclusive in ms
  const range = (from: number, to: number) => flux`range(start: ${new Date(from)}, stop: ${new Date(to + 1)})`
  const series = (deviceId: string, field: string) =>
    flux`filter(fn: (r) => r._measurement == ${measurement} and r.device == ${deviceId} and r._field == ${field})`

  return {
    async raw(q: RangeQuery): Promise<RawPoint[]> {
      const limit = Math.max(1, Math.min(q.limit ?? 10_000, 100_000))
      const found = await rows(flux`from(bucket: ${bucket})
        |> ${range(Math.floor(q.from), Math.ceil(q.to))}
        |> ${series(q.deviceId, q.metric)}
        |> sort(columns: ["_time"], desc: true) |> limit(n: ${limit})`)
      return found.map((r) => ({ ts: ms(r._time), value: r._value })).sort((a, b) => a.ts - b.ts)
    },

    async buckets(q: RangeQuery & { stepMs: number }): Promise<BucketPoint[]> {
      const every = fluxDuration(`${Math.max(1, Math.round(q.stepMs))}ms`)
      const aggregates = ['min', 'max', 'mean', 'last', 'count'] as const
      const out = new Map<number, BucketPoint>()
      await Promise.all(
        aggregates.map(async (fn) => {
          // windows align to the epoch like floor(ts / step); timeSrc _start labels them by bucket start
          const found = await rows(flux`from(bucket: ${bucket})
            |> ${range(Math.floor(q.from), Math.ceil(q.to))}
            |> ${series(q.deviceId, q.metric)}
            |> aggregateWindow(every: ${every}, fn: ${fluxExpression(fn)}, createEmpty: false, timeSrc: "_start")`)
          for (const r of found) {
            const ts = ms(r._time)
            const point = out.get(ts) ?? { ts, min: 0, max: 0, avg: 0, last: 0, count: 0 }
            point[fn === 'mean' ? 'avg' : fn] = Number(r._value)
            out.set(ts, point)
          }
        }),
      )
      return [...out.values()].filter((b) => b.count > 0).sort((a, b) => a.ts - b.ts)
    },

    async latestAll() {
      const found = await rows(flux`from(bucket: ${bucket})
        |> range(start: ${new Date(Date.now() - options.latestLookbackMs)})
        |> filter(fn: (r) => r._measurement == ${measurement} and r._field != ${SEQ_FIELD})
        |> last()`)
      const latest = new Map<string, Record<string, LatestValue>>()
      for (const r of found) {
        const entry = latest.get(r.device) ?? {}
        entry[r._field] = { ts: ms(r._time), value: r._value }
        latest.set(r.device, entry)
      }
      return latest
    },

    async count(deviceId?: string) {
      const device = deviceId === undefined ? flux`true` : flux`r.device == ${deviceId}`
      const found = await rows(flux`from(bucket: ${bucket})
        |> range(start: 0)
        |> filter(fn: (r) => r._measurement == ${measurement} and r._field != ${SEQ_FIELD} and ${device})
        |> count() |> group() |> sum()`)
      return Number(found[0]?._value ?? 0)
    },

    async *scan(q) {
      if (q.deviceIds.length === 0) return
      const field =
        q.metric === undefined ? flux`true` : flux`r._field == ${q.metric} or r._field == ${SEQ_FIELD}`
      // one row per (device, ts) with a column per field; the server sorts, we stream
      const stream = api.iterateRows(flux`from(bucket: ${bucket})
        |> ${range(Math.floor(q.from), Math.ceil(q.to))}
        |> filter(fn: (r) => r._measurement == ${measurement} and contains(value: r.device, set: ${[...q.deviceIds]}) and (${field}))
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> group() |> sort(columns: ["_time", "device"])`)
      let chunk: StoredReading[] = []
      for await (const { values, tableMeta } of stream) {
        const row = tableMeta.toObject(values) as Record<string, unknown>
        const ts = ms(String(row._time))
        const deviceId = String(row.device)
        const seq = Number(row[SEQ_FIELD] ?? 0)
        const metrics = Object.keys(row)
          .filter((k) => !k.startsWith('_') && k !== 'device' && k !== 'result' && k !== 'table')
          .sort()
        for (const metric of metrics) {
          if (typeof row[metric] === 'number') chunk.push({ deviceId, metric, ts, value: row[metric], seq })
        }
        if (chunk.length >= 10_000) {
          yield chunk
          chunk = []
        }
      }
      if (chunk.length > 0) yield chunk
    },

    async storedKeys(deviceId, from, to) {
      const found = await rows(flux`from(bucket: ${bucket})
        |> ${range(Math.floor(from), Math.ceil(to))}
        |> ${series(deviceId, SEQ_FIELD)}`)
      return found.map((r) => ({ seq: Number(r._value), ts: ms(r._time) }))
    },

    async recentKeys(since, perDevice) {
      const found = await rows(flux`from(bucket: ${bucket})
        |> range(start: ${new Date(Math.floor(since) + 1)})
        |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${SEQ_FIELD})
        |> group(columns: ["device"])
        |> sort(columns: ["_time", "_value"], desc: true)
        |> limit(n: ${perDevice})`)
      const keys = new Map<string, ReadingKey[]>()
      for (const r of found) {
        const list = keys.get(r.device) ?? []
        list.push({ seq: Number(r._value), ts: ms(r._time) })
        keys.set(r.device, list)
      }
      return keys
    },
  }
}
