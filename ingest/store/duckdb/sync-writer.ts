/**
 * Appends on the event loop, fdatasync on a worker thread of its own. Node's async fs shares
 * libuv's four-thread pool with DuckDB's queries; measured under ingest load, a 1 MB append +
 * fdatasync that takes ~1.5 ms on this disk waited 0.1–0.8 s behind DuckDB work in that pool, and
 * that wait was the PUBACK latency. The write itself only copies into the page cache (well under a
 * millisecond per batch), so it stays here; handing the bytes to the thread instead cost a copy of
 * every batch and ~5 % of the server's CPU at 40k messages/s. Only the wait for the disk moves.
 */
import { ftruncateSync, writeFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'

// Plain JS evaluated in the worker (no TypeScript loader needed there). On a failed sync the file
// is cut back to where the batch began, so later appends stay parseable.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
parentPort.on('message', ({ id, fd, size }) => {
  try {
    fs.fdatasyncSync(fd)
    parentPort.postMessage({ id })
  } catch (err) {
    try { fs.ftruncateSync(fd, size) } catch {}
    parentPort.postMessage({ id, error: { message: err.message, code: err.code } })
  }
})
`

export interface SyncWriter {
  /**
   * Appends `data` to `fd` (opened for append, `size` bytes long now) and fdatasyncs it. The data
   * is written before this returns: a buffer may be reused while the promise is pending.
   */
  append(fd: number, data: string | Uint8Array, size: number): Promise<void>
  close(): void
}

export function createSyncWriter(): SyncWriter {
  const worker = new Worker(WORKER_SOURCE, { eval: true })
  // the log holds no state the process must wait for: a pending append simply never resolves
  worker.unref()
  let nextId = 1
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>()
  type Reply = { id: number; error?: { message: string; code?: string } }
  /**
   * Replies are settled on the event loop's next turn, not as they arrive: Node handles a
   * MessagePort's messages in one go, including those that arrive meanwhile (at least 1000 per
   * wake-up). Under a flood, each settled batch makes and posts the next one, whose reply is back
   * before that work is done, so the loop did not turn for seconds (no timers, no socket reads).
   */
  let replies: Reply[] = []
  const settleReplies = () => {
    const ready = replies
    replies = []
    for (const reply of ready) {
      const entry = waiting.get(reply.id)
      if (!entry) continue
      waiting.delete(reply.id)
      if (!reply.error) entry.resolve()
      else entry.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
    }
  }
  const failAll = (err: Error) => {
    settleReplies() // what the thread answered before it stopped stands
    for (const { reject } of waiting.values()) reject(err)
    waiting.clear()
  }
  worker.on('message', (reply: Reply) => {
    if (replies.length === 0) setImmediate(settleReplies)
    replies.push(reply)
  })
  worker.on('error', failAll)
  worker.on('exit', () => failAll(new Error('the ingest log writer thread stopped')))
  return {
    append(fd, data, size) {
      try {
        writeFileSync(fd, data)
      } catch (err) {
        // e.g. ENOSPC half-way: cut the partial batch off, so later appends stay parseable
        try {
          ftruncateSync(fd, size)
        } catch {}
        return Promise.reject(err)
      }
      return new Promise<void>((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        worker.postMessage({ id, fd, size })
      })
    },
    close() {
      void worker.terminate()
    },
  }
}
