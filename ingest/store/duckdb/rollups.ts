import type { Db, Params } from './database.js'

/** Rollup bucket width: 10 minutes, so a year of 1-minute data is 52,560 rows per metric, not 525,600. */
export const ROLLUP_MS = 600_000
const WATERMARK = 'rollup_watermark'

export interface RetentionPolicy {
  /** Raw readings older than this are deleted once rolled up. */
  rawMs: number
  /** 10-minute rollups older than this are deleted. */
  rollupMs: number
}

export interface Rollups {
  /** Everything before this instant is rolled up (epoch ms, a multiple of ROLLUP_MS). */
  watermark(): number
  /** Tells the rollups about written rows; rows before the watermark make their range dirty. */
  noteWrite(minTs: number): void
  /** Rolls up completed buckets, recomputes dirty ones, then applies retention. */
  run(now: number): Promise<{ buckets: number; deletedRaw: number; deletedRollups: number }>
}

const at = (param: string) => `make_timestamptz(${param}::BIGINT * 1000)`

/**
 * Downsampling in the embedded store: 10-minute min/max/sum/count/last per (device, metric),
 * recomputed idempotently per time range. Late rows (gateway backfill) below the watermark mark
 * their range dirty; the next run recomputes it. On start the last day is recomputed, since the
 * dirty mark lives in memory.
 */
export async function createRollups(shared: Db, retention: RetentionPolicy): Promise<Rollups> {
  // its own connection: the transaction below must not take in other writers' statements
  const connection = await shared.connect()
  const db = {
    all: async <T>(sql: string, params: Params = []) =>
      (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as T[],
    run: async (sql: string, params: Params = []) => {
      await connection.run(sql, params)
    },
  }
  const rows = await db.all<{ value: number }>(`SELECT value FROM store_state WHERE key = '${WATERMARK}'`)
  let watermark = rows[0]?.value ?? 0
  let dirtyFrom = watermark > 0 ? watermark - 86_400_000 : Number.POSITIVE_INFINITY

  return {
    watermark: () => watermark,
    noteWrite(minTs) {
      if (minTs < watermark) dirtyFrom = Math.min(dirtyFrom, Math.floor(minTs / ROLLUP_MS) * ROLLUP_MS)
    },
    async run(now) {
      // a bucket is complete a minute after it ends (late-but-live readings get that much slack)
      const target = Math.floor((now - 60_000) / ROLLUP_MS) * ROLLUP_MS
      let from = Math.min(watermark, dirtyFrom)
      if (watermark === 0) {
        const first = await db.all<{ t: number | null }>(
          'SELECT epoch_ms(min(ts))::DOUBLE AS t FROM readings',
        )
        from = first[0]?.t == null ? target : Math.floor(first[0].t / ROLLUP_MS) * ROLLUP_MS
      }
      dirtyFrom = Number.POSITIVE_INFINITY
      let buckets = 0
      if (from < target) {
        await db.run('BEGIN TRANSACTION')
        try {
          await db.run(`DELETE FROM readings_10m WHERE bucket >= ${at('$1')} AND bucket < ${at('$2')}`, [
            from,
            target,
          ])
          const inserted = await db.all<{ n: number }>(
            `INSERT INTO readings_10m
             SELECT device_id, metric, ${at(`(floor(epoch_ms(ts) / ${ROLLUP_MS}) * ${ROLLUP_MS})`)} AS bucket,
                    min(value), max(value), sum(value), count(*), arg_max(value, ts), max(ts)
               FROM readings WHERE ts >= ${at('$1')} AND ts < ${at('$2')}
              GROUP BY ALL RETURNING 1 AS n`,
            [from, target],
          )
          buckets = inserted.length
          await db.run(`INSERT OR REPLACE INTO store_state VALUES ('${WATERMARK}', $1)`, [target])
          await db.run('COMMIT')
        } catch (err) {
          await db.run('ROLLBACK')
          dirtyFrom = Math.min(dirtyFrom, from)
          throw err
        }
        watermark = target
      }
      // raw rows go only once they are rolled up
      const rawBefore = Math.min(now - retention.rawMs, watermark)
      const deletedRaw = await db.all(`DELETE FROM readings WHERE ts < ${at('$1')} RETURNING 1`, [
        Math.floor(rawBefore),
      ])
      const deletedRollups = await db.all(`DELETE FROM readings_10m WHERE bucket < ${at('$1')} RETURNING 1`, [
        Math.floor(now - retention.rollupMs),
      ])
      return { buckets, deletedRaw: deletedRaw.length, deletedRollups: deletedRollups.length }
    },
  }
}
