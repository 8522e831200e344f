import { mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api'
import { SCHEMA_STATEMENTS } from './schema.js'

export type Params = DuckDBValue[]

/** Parameters and, where inferring from the values would not do (a list's type follows its first item), their types. */
export interface Statement {
  all<T = Record<string, unknown>>(params: Params, types?: DuckDBType[]): Promise<T[]>
  run(params: Params, types?: DuckDBType[]): Promise<void>
}

/** A thin wrapper: JS rows out, numbers for BIGINT/epoch columns (every query casts them). */
export interface Db {
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>
  run(sql: string, params?: Params): Promise<void>
  /**
   * A statement on the shared connection, prepared on first use and kept until the database
   * closes: for SQL run again and again, since parsing and planning cost DuckDB about as much as
   * a small insert does. Its runs take turns (the parameters are bound on the statement).
   */
  prepared(sql: string): Statement
  /** A dedicated connection, e.g. for the appender, so writes never queue behind reads. */
  connect(): Promise<DuckDBConnection>
  /** Closes a connection from `connect()` before the database closes. */
  disconnect(connection: DuckDBConnection): void
  /**
   * Closes the database. A query still running is interrupted first, and the native close waits
   * for it to return: closing a connection under a running query leaves a libuv thread blocked
   * for good (four of them and every fs call in the process hangs). Resolves once closed.
   */
  close(): Promise<void>
}

/** Connection methods that start native work on a libuv thread. */
const ASYNC_METHODS = new Set<PropertyKey>([
  'run',
  'runAndRead',
  'runAndReadAll',
  'runAndReadUntil',
  'stream',
  'streamAndRead',
  'streamAndReadAll',
  'streamAndReadUntil',
  'start',
  'startStream',
  'prepare',
  'extractStatements',
  'createAppender',
])

export class DatabaseLockedError extends Error {
  readonly code = 'DB_LOCKED'
}

export interface DuckDbOptions {
  memoryLimitMb?: number
  /** DuckDB's worker threads; default: the CPUs this process may run on (see below). */
  threads?: number
}

/** Opens (creating if needed) the DuckDB file and brings its schema up to date. */
export async function openDuckDb(path: string, options: DuckDbOptions = {}): Promise<Db> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(path)
  } catch (err) {
    const message = (err as Error).message
    if (/lock/i.test(message)) {
      throw new DatabaseLockedError(`${path} is open in another process (is mimamori running?)`, {
        cause: err,
      })
    }
    throw err
  }
  const connections = new Set<DuckDBConnection>()
  /** proxy → the native connection behind it */
  const raw = new WeakMap<DuckDBConnection, DuckDBConnection>()
  let inFlight = 0
  let closing: Promise<void> | undefined
  let whenIdle: (() => void) | undefined
  const settled = () => {
    inFlight -= 1
    if (inFlight === 0) whenIdle?.()
  }
  /** Native work, counted so that `close` can wait for it. */
  const counted = <R>(work: () => Promise<R>): Promise<R> => {
    if (closing) return Promise.reject(new Error('the database is closed'))
    inFlight += 1
    let pending: Promise<R>
    try {
      pending = Promise.resolve(work())
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending.then(settled, settled)
    return pending
  }
  /** The connection, with every native call counted. */
  const tracked = (connection: DuckDBConnection): DuckDBConnection =>
    new Proxy(connection, {
      get(target, property) {
        const value = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        if (!ASYNC_METHODS.has(property)) return value.bind(target)
        return (...args: unknown[]) => counted(() => value.apply(target, args))
      },
    })
  const connect = async () => {
    if (closing) throw new Error('the database is closed')
    const connection = await instance.connect()
    connections.add(connection)
    const proxy = tracked(connection)
    raw.set(proxy, connection)
    return proxy
  }
  const main = await connect()
  // DuckDB checkpoints when its WAL passes this size, inside the committing write: at the default
  // (16 MB) a steady ingest stream stalls every few seconds (measured: a 20k-row commit's max
  // latency 595 ms vs 168 ms at 256 MB). The cost is a longer WAL replay after a crash.
  await main.run("SET checkpoint_threshold = '256MB'")
  // DuckDB starts a thread per core of the machine, even when the process may use fewer (taskset,
  // a container's cpuset). Threads beyond the CPUs it has only contend: with the server pinned to
  // one of two cores, a QoS 0 flood cost 14.7 µs of CPU per reading at 2 threads and 12.5 µs at 1
  // (docs/benchmarks.md). os.availableParallelism() counts the CPUs the process may use.
  await main.run(`SET threads = ${Math.max(1, Math.trunc(options.threads ?? availableParallelism()))}`)
  // DuckDB takes 80 % of RAM by default and keeps what it read cached: a 15-minute soak grew the
  // process by ~100 MB and a 10M-row export peaked at 1.4 GB. A limit makes it spill instead.
  if (options.memoryLimitMb) await main.run(`SET memory_limit = '${Math.trunc(options.memoryLimitMb)}MB'`)
  for (const statement of SCHEMA_STATEMENTS) await main.run(statement)
  // Keep DDL out of the WAL: DuckDB 1.5 cannot replay a CREATE TABLE whose DEFAULT calls
  // nextval() ("GetDefaultDatabase with no default database set"), so a crash before the first
  // checkpoint left a database that would not open. Found by killing a fresh server; see
  // tests/integration/durability.test.ts.
  await main.run('CHECKPOINT')
  return {
    async all<T>(sql: string, params?: Params) {
      const reader = await main.runAndReadAll(sql, params)
      return reader.getRowObjectsJS() as T[]
    },
    async run(sql, params) {
      await main.run(sql, params)
    },
    prepared(sql) {
      let statement: Promise<DuckDBPreparedStatement> | undefined
      let turn: Promise<unknown> = Promise.resolve()
      const take = <R>(
        params: Params,
        types: DuckDBType[] | undefined,
        execute: (s: DuckDBPreparedStatement) => Promise<R>,
      ): Promise<R> => {
        const result = turn.then(async () => {
          statement ??= main.prepare(sql)
          const prepared = await statement.catch((err: unknown) => {
            statement = undefined
            throw err
          })
          prepared.bind(params, types)
          return counted(() => execute(prepared))
        })
        turn = result.catch(() => undefined)
        return result
      }
      return {
        all: <T>(params: Params, types?: DuckDBType[]) =>
          take(params, types, async (s) => (await s.runAndReadAll()).getRowObjectsJS() as T[]),
        run: (params, types) => take(params, types, async (s) => void (await s.run())),
      }
    },
    connect,
    disconnect(connection) {
      const target = raw.get(connection)
      if (target && connections.delete(target)) target.closeSync()
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        const finish = () => {
          for (const connection of connections) connection.closeSync()
          connections.clear()
          instance.closeSync()
          resolve()
        }
        if (inFlight === 0) return finish()
        whenIdle = finish
        for (const connection of connections) connection.interrupt()
      })
      return closing
    },
  }
}
