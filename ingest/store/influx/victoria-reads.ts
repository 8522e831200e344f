import type { ReadingKey } from '../../dedupe.js'
import type { BucketPoint, LatestValue, RangeQuery, RawPoint, ReadingStore } from '../store.js'
import { DEVICE_TAG, SEQ_FIELD } from './line-protocol.js'
import { createVictoriaHttp } from './victoria-http.js'
import {
  ALL_TIME_FROM_MS,
  aggregatesQuery,
  collectBuckets,
  completeBuckets,
  type ExportLine,
  FUTURE_SLACK_MS,
  LATENCY_MARGIN_MS,
  MAX_POINTS_PER_QUERY,
  metricOf,
  metricSelector,
  type PromSeries,
  planBuckets,
  readingsSelector,
  samples,
  seconds,
} from './victoria-query.js'
import { scanVictoria } from './victoria-scan.js'

export type Reads = Omit<ReadingStore, 'write'>

export interface VictoriaReadOptions {
  url: string
  token?: string
  measurement: string
  timeoutMs: number
  /** How far back latestAll looks (a last_over_time window scans every sample in it). */
  latestLookbackMs: number
  now?: () => number
}

/** Reads over VictoriaMetrics' HTTP API (MetricsQL instant/range queries and /api/v1/export). */
export function createVictoriaReads(options: VictoriaReadOptions): Reads {
  const now = options.now ?? Date.now
  const m = options.measurement
  const http = createVictoriaHttp(options)
  const query = http.query
  const exportLines = (match: string, from: number, to: number, onLine: (line: ExportLine) => void) =>
    http.exportLines([match], from, to, onLine)

  return {
    async raw(q: RangeQuery): Promise<RawPoint[]> {
      const limit = Math.max(1, Math.min(q.limit ?? 10_000, 100_000))
      const points: RawPoint[] = []
      await exportLines(
        metricSelector(m, q.metric, q.deviceId),
        Math.floor(q.from),
        Math.ceil(q.to),
        (line) => {
          for (const s of samples(line)) points.push(s)
        },
      )
      points.sort((a, b) => a.ts - b.ts)
      // VictoriaMetrics has no server-side limit on export: the whole range is read, the newest kept
      return points.length > limit ? points.slice(points.length - limit) : points
    },

    async buckets(q: RangeQuery & { stepMs: number }): Promise<BucketPoint[]> {
      const step = Math.max(1, Math.round(q.stepMs))
      const from = Math.floor(q.from)
      const to = Math.ceil(q.to)
      const selector = metricSelector(m, q.metric, q.deviceId)
      const plan = planBuckets(from, to, step)
      const found = new Map<number, Partial<BucketPoint>>()
      const requests: Array<Promise<void>> = []
      if (plan.full) {
        const { first, last } = plan.full
        // evaluated at bucket end − shift, where query_range leaves points alone (see LATENCY_MARGIN_MS)
        const shift = LATENCY_MARGIN_MS + Math.max(0, last + step - 1 - now())
        for (let chunk = first; chunk <= last; chunk += MAX_POINTS_PER_QUERY * step) {
          const chunkLast = Math.min(last, chunk + (MAX_POINTS_PER_QUERY - 1) * step)
          requests.push(
            query('/api/v1/query_range', {
              query: aggregatesQuery(selector, step, shift),
              start: seconds(chunk + step - 1 - shift),
              end: seconds(chunkLast + step - 1 - shift),
              step: String(step / 1000),
            }).then((series) => collectBuckets(series, (t) => t + shift - step + 1, found)),
          )
        }
      }
      for (const edge of plan.edges) {
        requests.push(
          query('/api/v1/query', {
            query: aggregatesQuery(selector, edge.to - edge.from + 1),
            time: seconds(edge.to),
          }).then((series) => collectBuckets(series, () => edge.bucket, found)),
        )
      }
      await Promise.all(requests)
      return completeBuckets(found)
    },

    async latestAll() {
      const at = now() + FUTURE_SLACK_MS
      const window = `[${options.latestLookbackMs + FUTURE_SLACK_MS}ms]`
      const selector = readingsSelector(m)
      // last_over_time keeps metric names in MetricsQL; tlast_over_time needs keep_metric_names
      const [values, times] = await Promise.all([
        query('/api/v1/query', { query: `last_over_time(${selector}${window})`, time: seconds(at) }),
        query('/api/v1/query', {
          query: `tlast_over_time(${selector}${window}) keep_metric_names`,
          time: seconds(at),
        }),
      ])
      const key = (s: PromSeries) => JSON.stringify([s.metric.__name__, s.metric[DEVICE_TAG]])
      const lastTs = new Map(times.map((s) => [key(s), Math.round(Number(s.value?.[1]) * 1000)]))
      const latest = new Map<string, Record<string, LatestValue>>()
      for (const s of values) {
        const metric = metricOf(s.metric.__name__, m)
        const deviceId = s.metric[DEVICE_TAG]
        const ts = lastTs.get(key(s))
        const value = Number(s.value?.[1])
        if (!metric || !deviceId || ts === undefined || !Number.isFinite(value)) continue
        const entry = latest.get(deviceId) ?? {}
        // series that differ only by an extra tag would give several candidates: keep the newest
        if (!entry[metric] || entry[metric].ts < ts) entry[metric] = { ts, value }
        latest.set(deviceId, entry)
      }
      return latest
    },

    scan: (q) => scanVictoria(http, m, q),

    async count(deviceId?: string) {
      const at = now() + FUTURE_SLACK_MS
      const result = await query('/api/v1/query', {
        query: `sum(count_over_time(${readingsSelector(m, deviceId)}[${at - ALL_TIME_FROM_MS}ms]))`,
        time: seconds(at),
      })
      return Number(result[0]?.value?.[1] ?? 0)
    },

    async storedKeys(deviceId, from, to) {
      const keys = new Map<string, ReadingKey>()
      await exportLines(metricSelector(m, SEQ_FIELD, deviceId), Math.floor(from), Math.ceil(to), (line) => {
        for (const s of samples(line)) keys.set(`${s.value}:${s.ts}`, { seq: s.value, ts: s.ts })
      })
      return [...keys.values()]
    },

    async recentKeys(since, perDevice) {
      const keys = new Map<string, ReadingKey[]>()
      const newestFirst = (a: ReadingKey, b: ReadingKey) => b.ts - a.ts || b.seq - a.seq
      // export bounds are inclusive; the contract is ts > since
      const from = Math.floor(since) + 1
      await exportLines(metricSelector(m, SEQ_FIELD), from, now() + FUTURE_SLACK_MS, (line) => {
        const deviceId = line.metric[DEVICE_TAG]
        if (!deviceId) return
        const list = keys.get(deviceId) ?? []
        for (const s of samples(line)) if (s.ts > since) list.push({ seq: s.value, ts: s.ts })
        // trimmed per line so memory stays at perDevice keys per device, whatever the export size
        list.sort(newestFirst)
        const distinct = list.filter(
          (k, i) => i === 0 || k.ts !== list[i - 1]?.ts || k.seq !== list[i - 1]?.seq,
        )
        keys.set(deviceId, distinct.slice(0, perDevice))
      })
      return keys
    },
  }
}
