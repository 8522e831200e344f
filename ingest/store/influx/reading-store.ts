import { InfluxDB } from '@influxdata/influxdb-client'
import type { Logger } from 'pino'
import type { ReadingStore, StoredReading } from '../store.js'
import { createFluxReads } from './flux-reads.js'
import { checkMeasurement, DEFAULT_MEASUREMENT, groupIntoPoints, toPoint } from './line-protocol.js'
import { createVictoriaReads } from './victoria-reads.js'

export interface InfluxReadingStoreOptions {
  /** Base URL: VictoriaMetrics `http://host:8428`, InfluxDB `http://host:8086`. */
  url: string
  token?: string
  org: string
  bucket: string
  /** Reads differ: VictoriaMetrics is read with MetricsQL / export, InfluxDB 2 with Flux (untested). */
  flavor: 'victoria-metrics' | 'influxdb'
  log: Logger
  /** Per write request; a write that takes longer is a failed write. Default 10 s. */
  timeoutMs?: number
  /** Per read request (exports at start-up can be large). Default 60 s. */
  readTimeoutMs?: number
  /** Default `mimamori`; snake_case. */
  measurement?: string
  /** Points per HTTP write request. Default 5000. */
  linesPerRequest?: number
  /** How far back `latestAll` looks. Default 366 days. */
  latestLookbackMs?: number
}

/**
 * Readings as InfluxDB line protocol, one point per (device, ts):
 * `mimamori,device=p-1 water_depth_cm=12.5,water_temp_c=18,_seq=42i 1767225600000` (ms precision).
 * VictoriaMetrics turns that into series `mimamori_water_depth_cm{device="p-1"}`, … and
 * `mimamori__seq{device="p-1"}`.
 *
 * The TSDB keys a point on series + timestamp: two readings of one device with the same ts but
 * different seq overwrite each other there (InfluxDB keeps the last write; VictoriaMetrics keeps
 * both unless run with `-dedup.minScrapeInterval=1ms`, see docs/storage-tsdb.md). Ingest dedupes
 * on (deviceId, seq, ts) before writing, so a repeated write of the same batch is harmless.
 *
 * @example
 * const store = createInfluxReadingStore({ url: 'http://127.0.0.1:8428', org: 'mimamori',
 *   bucket: 'mimamori', flavor: 'victoria-metrics', log })
 */
export function createInfluxReadingStore(options: InfluxReadingStoreOptions): ReadingStore {
  const measurement = checkMeasurement(options.measurement ?? DEFAULT_MEASUREMENT)
  const timeoutMs = options.timeoutMs ?? 10_000
  const linesPerRequest = Math.max(1, options.linesPerRequest ?? 5000)
  const latestLookbackMs = options.latestLookbackMs ?? 366 * 86_400_000
  const log = options.log.child({ component: 'influx-store', flavor: options.flavor })
  const influx = new InfluxDB({ url: options.url, token: options.token, timeout: timeoutMs })

  const reads =
    options.flavor === 'victoria-metrics'
      ? createVictoriaReads({
          url: options.url,
          token: options.token,
          measurement,
          timeoutMs: options.readTimeoutMs ?? 60_000,
          latestLookbackMs,
        })
      : createFluxReads({ influx, org: options.org, bucket: options.bucket, measurement, latestLookbackMs })

  /**
   * One WriteApi per request, sized so the client never flushes on its own: its automatic
   * (size-triggered) flushes swallow errors, while `flush()` rejects unless the server answered
   * 204 (or InfluxDB 3's 201). No client retries (the batch writer and the spool retry), and
   * `writeFailed` returns the rejection so the client does not log to the console itself.
   */
  async function send(lines: ReturnType<typeof toPoint>[]) {
    const api = influx.getWriteApi(options.org, options.bucket, 'ms', {
      batchSize: lines.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      writeFailed: (error: Error) => Promise.reject(error),
    })
    try {
      api.writePoints(lines)
      await api.flush()
    } finally {
      api.dispose()
    }
  }

  return {
    ...reads,
    async write(rows: readonly StoredReading[]) {
      if (rows.length === 0) return
      const { points, skipped } = groupIntoPoints(rows)
      if (skipped > 0) log.warn({ skipped }, 'non-finite values have no line-protocol form; skipped')
      // Requests go one after another: if one fails the caller retries the whole batch, and the
      // points already accepted are overwritten with themselves (same series + timestamp).
      for (let i = 0; i < points.length; i += linesPerRequest) {
        await send(points.slice(i, i + linesPerRequest).map((p) => toPoint(p, measurement)))
      }
    },
  }
}
