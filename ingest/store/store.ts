/** The time-series side of storage: where readings go and how charts read them back. */
import type { KeyLookup } from '../dedupe.js'

/** One metric value of one reading, as stored. */
export interface StoredReading {
  deviceId: string
  metric: string
  /** epoch ms */
  ts: number
  value: number
  seq: number
  /** Data-quality flag, e.g. `maintenance` for a reading taken during a maintenance window; absent = good. */
  quality?: string
}

export interface LatestValue {
  ts: number
  value: number
}

export interface RawPoint {
  ts: number
  value: number
  /** Present only when the reading carries a quality flag (e.g. `maintenance`). */
  quality?: string
}

/** One aggregation bucket: `ts` is the bucket start (epoch ms). */
export interface BucketPoint {
  ts: number
  min: number
  max: number
  avg: number
  last: number
  count: number
}

export interface RangeQuery {
  deviceId: string
  metric: string
  from: number
  to: number
  /** Bucket width in ms; omitted for raw points. */
  stepMs?: number
  /** Cap on raw points returned (newest kept). */
  limit?: number
}

/** Implemented by the embedded DuckDB store now and an InfluxDB-compatible TSDB later. */
export interface ReadingStore extends KeyLookup {
  /** Durable when the promise resolves. Rows may belong to many devices. */
  write(rows: readonly StoredReading[]): Promise<void>
  /** Latest value of every metric of every device that has data. */
  latestAll(): Promise<Map<string, Record<string, LatestValue>>>
  raw(query: RangeQuery): Promise<RawPoint[]>
  buckets(query: RangeQuery & { stepMs: number }): Promise<BucketPoint[]>
  /** Total stored rows (for health pages and tests). */
  count(deviceId?: string): Promise<number>
  /**
   * Streams stored rows in (ts, device, metric) order, a chunk at a time, for exports: memory
   * stays constant however many rows match.
   */
  scan(query: ScanQuery): AsyncIterable<StoredReading[]>
}

export interface ScanQuery {
  deviceIds: readonly string[]
  metric?: string
  from: number
  to: number
}
