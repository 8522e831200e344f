import type { Logger } from 'pino'
import { createSerial } from './serial.js'
import { encodeBatch, openSpoolQueue } from './spool-queue.js'
import type { ReadingStore, StoredReading } from './store.js'

export interface SpoolOptions {
  /** Directory of the queue: segment files of spooled batches (spool-queue.ts). */
  dir: string
  /** A segment file is sealed at about this size. Default 1 MB. */
  segmentBytes?: number
  /** Cap on spooled bytes; past it write() rejects (the batch writer retries, PUBACKs wait). */
  maxBytes: number
  log: Logger
  /** First delay before retrying the inner store while draining; doubles up to 30 s. Default 1 s. */
  retryMs?: number
  /** An inner write slower than this counts as failed and the batch is spooled. Default 10 s. */
  writeTimeoutMs?: number
  /** While draining, whole spooled batches are merged into one inner write until it holds this
   * many rows (memory: this plus one batch). Default 20 000. */
  drainRows?: number
  /**
   * Batches the inner store accepted within this window are kept in memory and spooled again when
   * it next refuses a write: VictoriaMetrics acknowledges before its data reaches disk, so a crash
   * of the TSDB loses its last seconds (measured: up to ~10 s) unless they are sent again. Needs
   * the TSDB to deduplicate identical points (VictoriaMetrics: -dedup.minScrapeInterval=1ms).
   * Default 30 s; 0 turns it off.
   */
  replayWindowMs?: number
  /** Memory bound of the replay window, in rows. Default 500 000 (about 60 MB). */
  replayMaxRows?: number
  now?: () => number
}

export interface SpoolingStore extends ReadingStore {
  backlogBytes(): number
  backlogBatches(): number
  /** Resolves once the backlog is empty (retrying the inner store at once); rejects on close(). */
  drain(): Promise<void>
  /** Stops draining; the backlog stays on disk and is picked up by the next start. */
  close(): Promise<void>
}

/** The spool is at `maxBytes`: the write is refused, not dropped (code `SPOOL_FULL`). */
export class SpoolFullError extends Error {
  readonly code = 'SPOOL_FULL'
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store write took longer than ${ms} ms`)), ms)
  })
  // the late outcome of a timed-out write is irrelevant: the batch is spooled and written again,
  // which the TSDB absorbs (same series + timestamp)
  promise.catch(() => {})
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A ReadingStore that stays writable while `inner` (a remote TSDB) is down or slow. A batch the
 * inner store refuses is appended to an on-disk queue (a line in a segment file, fdatasync'd) and
 * write() resolves — durable on local disk, so the PUBACK may go. A loop drains the queue into
 * `inner` oldest first, deleting segments only after the inner write succeeded; while a backlog
 * exists new batches queue behind it, so order is kept. Memory holds segment names, never
 * batches. Reads go to `inner`: spooled readings are invisible until drained. A crash between an
 * inner write and the unlink writes those batches again on the next start, which the TSDB absorbs
 * (points are keyed on series + timestamp).
 */
export function createSpoolingStore(inner: ReadingStore, options: SpoolOptions): SpoolingStore {
  const { dir, maxBytes } = options
  const log = options.log.child({ component: 'spool' })
  const retryMs = options.retryMs ?? 1000
  const writeTimeoutMs = options.writeTimeoutMs ?? 10_000
  const drainRows = options.drainRows ?? 20_000
  const replayWindowMs = options.replayWindowMs ?? 30_000
  const replayMaxRows = options.replayMaxRows ?? 500_000
  const now = options.now ?? Date.now
  // batches the TSDB acknowledged recently, oldest first
  let recent: Array<{ at: number; rows: readonly StoredReading[] }> = []
  let recentRows = 0
  const remember = (rows: readonly StoredReading[]) => {
    if (replayWindowMs <= 0) return
    recent.push({ at: now(), rows })
    recentRows += rows.length
    const cutoff = now() - replayWindowMs
    while (recent.length > 0 && ((recent[0]?.at ?? 0) < cutoff || recentRows > replayMaxRows)) {
      recentRows -= recent.shift()?.rows.length ?? 0
    }
  }
  /** The TSDB just refused a write: what it acknowledged lately may be lost with it, so spool it again. */
  async function respoolRecent() {
    const cutoff = now() - replayWindowMs
    const replay = recent.filter((r) => r.at >= cutoff)
    recent = []
    recentRows = 0
    if (replay.length === 0) return
    log.warn(
      { batches: replay.length },
      'TSDB refused a write: spooling its recently acknowledged batches again',
    )
    for (const batch of replay) await append(batch.rows)
  }

  // picks up the previous run's backlog
  const queue = openSpoolQueue(dir, {
    log,
    ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
  })
  const pending = () => queue.batches()
  let closed = false
  let loop: Promise<void> | undefined
  let wake: (() => void) | undefined
  let waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = []

  /** write() calls run one at a time, so "queue empty → write through" cannot race an append. */
  const serial = createSerial()

  async function append(rows: readonly StoredReading[]) {
    const body = encodeBatch(rows)
    const bytes = Buffer.byteLength(body)
    if (queue.bytes() + bytes > maxBytes) {
      throw new SpoolFullError(`spool full: ${queue.bytes()} + ${bytes} bytes over maxBytes ${maxBytes}`)
    }
    await queue.append(body)
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      timer.unref() // the backlog is on disk; a pending retry must not keep the process alive
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    }).finally(() => {
      wake = undefined
    })

  async function drainLoop() {
    const started = Date.now()
    let delay = retryMs
    let failing = false
    let batch: Awaited<ReturnType<typeof queue.readOldest>> | undefined
    while (!closed && pending() > 0) {
      batch ??= await queue.readOldest(drainRows)
      try {
        if (batch.rows.length > 0) await withTimeout(inner.write(batch.rows), writeTimeoutMs)
        remember(batch.rows)
      } catch (err) {
        // batches drained just before this failure may be lost with the TSDB too
        if (!failing) await serial(respoolRecent)
        if (!failing)
          log.warn({ err, backlogBytes: queue.bytes() }, 'spool drain: store still refuses writes')
        failing = true
        await sleep(delay)
        delay = Math.min(delay * 2, 30_000)
        continue
      }
      failing = false
      delay = retryMs
      await queue.remove(batch.segments)
      batch = undefined
    }
    if (pending() === 0) {
      log.info({ ms: Date.now() - started }, 'spool drained')
      for (const waiter of waiters) waiter.resolve()
      waiters = []
    }
  }

  function kick() {
    if (loop || closed) return
    let crashed = false
    loop = drainLoop()
      .catch((err: Error) => {
        crashed = true
        log.error({ err }, 'spool drain loop failed; restarting it')
      })
      .finally(() => {
        loop = undefined
        // an append may have landed between the loop's last check and here
        if (pending() > 0 && !closed) setTimeout(kick, crashed ? retryMs : 0).unref()
      })
  }

  if (pending() > 0) {
    log.info({ batches: pending(), bytes: queue.bytes() }, 'spool backlog from a previous run; draining')
    kick()
  }

  return {
    write(rows) {
      if (closed) return Promise.reject(new Error('spool is closed'))
      if (rows.length === 0) return Promise.resolve()
      return serial(async () => {
        if (pending() === 0) {
          try {
            await withTimeout(inner.write(rows), writeTimeoutMs)
            remember(rows)
            return
          } catch (err) {
            log.warn({ err, rows: rows.length }, 'store write failed; spooling to disk')
            await respoolRecent()
          }
        }
        await append(rows)
        kick()
      })
    },
    backlogBytes: () => queue.bytes(),
    backlogBatches: pending,
    drain() {
      if (pending() === 0) return Promise.resolve()
      if (closed) return Promise.reject(new Error('spool is closed'))
      const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }))
      wake?.()
      kick()
      return done
    },
    async close() {
      closed = true
      wake?.()
      await serial(async () => {}) // the writes already queued
      await loop
      await queue.close()
      for (const waiter of waiters) waiter.reject(new Error('spool is closed'))
      waiters = []
    },
    latestAll: () => inner.latestAll(),
    raw: (query) => inner.raw(query),
    buckets: (query) => inner.buckets(query),
    count: (deviceId) => inner.count(deviceId),
    storedKeys: (deviceId, from, to) => inner.storedKeys(deviceId, from, to),
    recentKeys: (since, perDevice) => inner.recentKeys(since, perDevice),
    scan: (query) => inner.scan(query),
  }
}
