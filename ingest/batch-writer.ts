import type { Logger } from 'pino'
import type { ReadingStore, StoredReading } from './store/store.js'

export interface BatchWriterOptions {
  maxRows: number
  maxAgeMs: number
  /** First retry delay after a failed write; doubles up to 5 s. */
  retryDelayMs: number
  /** After each write: its rows, and seconds from the first attempt until durable (retries included). */
  onWritten?: (rows: number, seconds: number) => void
}

export interface BatchWriter {
  /** Resolves when these rows are durable in the store. A failing store is retried, never dropped. */
  enqueue(rows: readonly StoredReading[]): Promise<void>
  pendingRows(): number
  /** False while the store refuses writes. */
  healthy(): boolean
  /** Writes everything queued; further enqueues are refused. */
  close(): Promise<void>
}

/**
 * Rows that share one store write, and the promise every enqueue of them got: one per batch,
 * not a promise and a waiter per message (a write is retried until it succeeds, so it never rejects).
 */
interface Batch {
  rows: StoredReading[]
  written: Promise<void>
  resolve: () => void
}

function newBatch(): Batch {
  let resolve: () => void = () => {}
  const written = new Promise<void>((r) => {
    resolve = r
  })
  return { rows: [], written, resolve }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Group commit: rows from many devices share one store write, bounded by size and age. One write
 * runs at a time; while it runs the next batch fills, so a slow store makes batches bigger rather
 * than queueing writes. Callers await their rows, which is what holds back the PUBACK.
 */
export function createBatchWriter(
  store: ReadingStore,
  options: BatchWriterOptions,
  log: Logger,
): BatchWriter {
  let current = newBatch()
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> | undefined
  let ok = true
  let closed = false
  let pending = 0

  const takeBatch = () => {
    const batch = current
    current = newBatch()
    if (timer) clearTimeout(timer)
    timer = undefined
    return batch
  }

  async function writeWithRetry(batch: Batch) {
    let delay = options.retryDelayMs
    const started = performance.now()
    for (;;) {
      try {
        await store.write(batch.rows)
        if (!ok) log.info('store writable again')
        ok = true
        options.onWritten?.(batch.rows.length, (performance.now() - started) / 1000)
        return
      } catch (err) {
        if (ok) log.error({ err, rows: batch.rows.length }, 'store write failed; retrying')
        ok = false
        await sleep(delay)
        delay = Math.min(delay * 2, 5000)
      }
    }
  }

  function kick() {
    if (writing || current.rows.length === 0) return
    const batch = takeBatch()
    writing = writeWithRetry(batch).then(() => {
      pending -= batch.rows.length
      batch.resolve()
      writing = undefined
      // Rows that arrived during the write form the next batch; write it at once if it is full.
      if (current.rows.length >= options.maxRows) kick()
      else if (current.rows.length > 0 && !timer) timer = setTimeout(kick, options.maxAgeMs)
    })
  }

  return {
    enqueue(rows) {
      if (closed) return Promise.reject(new Error('ingest is shutting down'))
      if (rows.length === 0) return Promise.resolve()
      const { written } = current
      for (const row of rows) current.rows.push(row)
      pending += rows.length
      if (current.rows.length >= options.maxRows) kick()
      else if (!timer && !writing) timer = setTimeout(kick, options.maxAgeMs)
      return written
    },
    pendingRows: () => pending,
    healthy: () => ok,
    async close() {
      closed = true
      while (writing || current.rows.length > 0) {
        if (writing) await writing
        else kick()
      }
    },
  }
}
