import pg from 'pg'
import { SCHEMA, SCHEMA_LOCK_KEY } from './schema.js'

/** A value PostgreSQL can bind to a `$n` parameter. */
export type SqlParam = string | number | boolean | null | Buffer | Uint8Array

/** A small pool over `pg` with parameterized queries only (no string-built values). */
export interface PgDb {
  readonly url: string
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>
  /** Runs `fn` in one transaction on one connection (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (query: PgDb['all']) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export class DatabaseError extends Error {
  readonly code = 'DATABASE'
}

/** Epoch milliseconds → TIMESTAMPTZ for a `$n` parameter. */
export const ts = (param: string) => `to_timestamp(${param}::float8 / 1000)`
/** TIMESTAMPTZ → epoch milliseconds (a float8, so `pg` returns a number). */
export const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`

/** Connects, creates the schema (idempotent, serialized by an advisory lock) and returns the pool. */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<PgDb> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4 })
  // an idle client that loses its connection emits 'error' on the pool; without a listener it
  // would end the process. The next query gets a fresh connection.
  pool.on('error', () => {})
  const all = async <T>(sql: string, params: readonly SqlParam[] = []) =>
    (await pool.query(sql, params as SqlParam[])).rows as T[]
  const db: PgDb = {
    url,
    all,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(
          async (sql, params = []) => (await client.query(sql, params as SqlParam[])).rows,
        )
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
  try {
    await db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY])
      for (const statement of SCHEMA) await query(statement)
    })
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DatabaseError(`cannot open DATABASE_URL (${redact(url)}): ${(err as Error).message}`, {
      cause: err,
    })
  }
  return db
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'an unparsable URL'
  }
}
