import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  TIMESTAMPTZ,
  timestampTZValue,
  UINTEGER,
  VARCHAR,
} from '@duckdb/node-api'
import type { BucketPoint, LatestValue, RangeQuery, RawPoint, ReadingStore, StoredReading } from '../store.js'
import type { Db } from './database.js'
import { ROLLUP_MS, type Rollups } from './rollups.js'

/**
 * The columns of `readings`, in order (`quality` came later by ALTER TABLE, so it is last in old and
 * new files alike), and DuckDB's vector size (a data chunk holds at most this many rows).
 */
const READING_TYPES = [VARCHAR, VARCHAR, TIMESTAMPTZ, DOUBLE, UINTEGER, VARCHAR]
const CHUNK_ROWS = 2048

interface LatestRow {
  device_id: string
  metric: string
  ts: number
  value: number
}

/**
 * Readings in one long table (device, metric, ts, value, seq), appended in batches. Rows arrive
 * roughly in time order, so DuckDB's per-row-group min/max (zonemaps) prune range scans on ts.
 */
export async function createDuckDbReadingStore(db: Db, rollups: Rollups): Promise<ReadingStore> {
  const writer: DuckDBConnection = await db.connect()
  const reader = await db.connect()
  const all = async <T>(sql: string, params: (string | number)[]) =>
    (await reader.runAndReadAll(sql, params)).getRowObjectsJS() as T[]

  return {
    async write(rows: readonly StoredReading[]) {
      if (rows.length === 0) return
      // An explicit transaction: the appender's flush then only hands the rows over, and the
      // commit (with its fsync) runs on DuckDB's worker thread instead of blocking the event loop,
      // which is where the broker reads sockets (bench: main-thread busy time 100 % → ~40 %).
      await writer.run('BEGIN TRANSACTION')
      try {
        const appender = await writer.createAppender('readings')
        try {
          // Columnar data chunks: about twice the rows/s of appending value by value (bench/).
          for (let offset = 0; offset < rows.length; offset += CHUNK_ROWS) {
            const slice = rows.slice(offset, offset + CHUNK_ROWS)
            const chunk = DuckDBDataChunk.create(READING_TYPES, slice.length)
            chunk.setColumns([
              slice.map((r) => r.deviceId),
              slice.map((r) => r.metric),
              slice.map((r) => timestampTZValue(BigInt(Math.round(r.ts * 1000)))),
              slice.map((r) => r.value),
              slice.map((r) => r.seq),
              slice.map((r) => r.quality ?? null),
            ])
            appender.appendDataChunk(chunk)
          }
          appender.flushSync()
        } finally {
          appender.closeSync()
        }
        // durable (in DuckDB's fsynced WAL) when COMMIT returns
        await writer.run('COMMIT')
        let minTs = Number.POSITIVE_INFINITY
        for (const row of rows) if (row.ts < minTs) minTs = row.ts
        rollups.noteWrite(minTs)
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => {})
        throw err
      }
    },

    async latestAll() {
      const rows = await all<LatestRow>(
        `SELECT device_id, metric, epoch_ms(max(ts))::DOUBLE AS ts, arg_max(value, ts) AS value
           FROM readings GROUP BY device_id, metric`,
        [],
      )
      const latest = new Map<string, Record<string, LatestValue>>()
      for (const row of rows) {
        const entry = latest.get(row.device_id) ?? {}
        entry[row.metric] = { ts: row.ts, value: row.value }
        latest.set(row.device_id, entry)
      }
      return latest
    },

    async raw(query: RangeQuery) {
      const limit = Math.max(1, Math.min(query.limit ?? 10_000, 100_000))
      const rows = await all<{ ts: number; value: number; quality: string | null }>(
        `SELECT * FROM (
           SELECT epoch_ms(ts)::DOUBLE AS ts, value, quality FROM readings
            WHERE device_id = $1 AND metric = $2 AND ts >= make_timestamptz($3::BIGINT * 1000)
              AND ts <= make_timestamptz($4::BIGINT * 1000)
            ORDER BY ts DESC LIMIT ${limit}
         ) ORDER BY ts`,
        [query.deviceId, query.metric, Math.floor(query.from), Math.ceil(query.to)],
      )
      return rows.map(
        ({ ts, value, quality }): RawPoint => (quality === null ? { ts, value } : { ts, value, quality }),
      )
    },

    async buckets(query: RangeQuery & { stepMs: number }) {
      const step = Math.max(1, Math.round(query.stepMs))
      const from = Math.floor(query.from)
      const to = Math.ceil(query.to)
      const params = [query.deviceId, query.metric, from, to, step]
      const range = `ts >= make_timestamptz($3::BIGINT * 1000) AND ts <= make_timestamptz($4::BIGINT * 1000)`
      const watermark = rollups.watermark()
      if (step % ROLLUP_MS !== 0 || from >= watermark) {
        return all<BucketPoint>(
          `SELECT (floor(epoch_ms(ts) / $5) * $5)::DOUBLE AS ts,
                  min(value) AS min, max(value) AS max, avg(value) AS avg,
                  arg_max(value, ts) AS last, count(*)::DOUBLE AS count
             FROM readings WHERE device_id = $1 AND metric = $2 AND ${range}
            GROUP BY 1 ORDER BY 1`,
          params,
        )
      }
      // Long ranges: 10-minute rollups before the watermark, raw rows after it.
      return all<BucketPoint>(
        `WITH parts AS (
           SELECT bucket AS t, min, max, sum, count, last, last_ts FROM readings_10m
            WHERE device_id = $1 AND metric = $2 AND bucket >= make_timestamptz($3::BIGINT * 1000)
              AND bucket <= make_timestamptz($4::BIGINT * 1000) AND bucket < make_timestamptz($6::BIGINT * 1000)
           UNION ALL
           SELECT ts AS t, value, value, value, 1, value, ts FROM readings
            WHERE device_id = $1 AND metric = $2 AND ${range} AND ts >= make_timestamptz($6::BIGINT * 1000)
         )
         SELECT (floor(epoch_ms(t) / $5) * $5)::DOUBLE AS ts, min(min) AS min, max(max) AS max,
                sum(sum) / sum(count) AS avg, arg_max(last, last_ts) AS last, sum(count)::DOUBLE AS count
           FROM parts GROUP BY 1 ORDER BY 1`,
        [...params, watermark],
      )
    },

    async storedKeys(deviceId, from, to) {
      return all<{ seq: number; ts: number }>(
        `SELECT DISTINCT seq::DOUBLE AS seq, epoch_ms(ts)::DOUBLE AS ts FROM readings
          WHERE device_id = $1 AND ts >= make_timestamptz($2::BIGINT * 1000) AND ts <= make_timestamptz($3::BIGINT * 1000)`,
        [deviceId, Math.floor(from), Math.ceil(to)],
      )
    },

    async recentKeys(since, perDevice) {
      const rows = await all<{ device_id: string; seq: number; ts: number }>(
        `SELECT device_id, seq::DOUBLE AS seq, epoch_ms(ts)::DOUBLE AS ts FROM (
           SELECT DISTINCT device_id, seq, ts FROM readings WHERE ts > make_timestamptz($1::BIGINT * 1000)
         ) QUALIFY row_number() OVER (PARTITION BY device_id ORDER BY ts DESC, seq DESC) <= $2
         ORDER BY device_id, ts DESC, seq DESC`,
        [Math.floor(since), perDevice],
      )
      const keys = new Map<string, Array<{ seq: number; ts: number }>>()
      for (const row of rows) {
        const list = keys.get(row.device_id) ?? []
        list.push({ seq: row.seq, ts: row.ts })
        keys.set(row.device_id, list)
      }
      return keys
    },

    async *scan(query) {
      if (query.deviceIds.length === 0) return
      // a connection per export, so a slow download never holds up chart queries
      const connection = await db.connect()
      try {
        const placeholders = query.deviceIds.map((_, i) => `$${i + 4}`).join(', ')
        const result = await connection.stream(
          `SELECT device_id, metric, epoch_ms(ts)::DOUBLE AS ts, value, seq::DOUBLE AS seq, quality FROM readings
            WHERE ts >= make_timestamptz($1::BIGINT * 1000) AND ts <= make_timestamptz($2::BIGINT * 1000)
              AND ($3::VARCHAR IS NULL OR metric = $3) AND device_id IN (${placeholders})
            ORDER BY ts, device_id, metric`,
          [Math.floor(query.from), Math.ceil(query.to), query.metric ?? null, ...query.deviceIds],
        )
        for await (const rows of result.yieldRowsJs()) {
          yield rows.map(
            ([deviceId, metric, ts, value, seq, quality]): StoredReading => ({
              deviceId: deviceId as string,
              metric: metric as string,
              ts: ts as number,
              value: value as number,
              seq: seq as number,
              ...(typeof quality === 'string' ? { quality } : {}),
            }),
          )
        }
      } finally {
        db.disconnect(connection)
      }
    },

    async count(deviceId?: string) {
      const rows = deviceId
        ? await all<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM readings WHERE device_id = $1', [
            deviceId,
          ])
        : await all<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM readings', [])
      return rows[0]?.n ?? 0
    },
  }
}
