/**
 * The gateway's durable outbox: an append-only log in segment files plus a persisted send
 * cursor. `append` resolves only after its frames are fsynced (appends arriving while one
 * fsync runs share the next: group commit), so the local PUBACK may follow. Entries are removed
 * a whole segment at a time, once the centre acknowledged everything in it. Memory holds the
 * segment list, the unflushed group and the acknowledged ranges — never the backlog itself.
 */
import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import type { Logger } from 'pino'
import { AckSet } from './ack-set.js'
import { fsyncDir, openCursor, recoverSegments, segmentPath, writeAll } from './outbox-files.js'
import { OutboxReader, type SegmentInfo } from './outbox-reader.js'
import { encodeRecord, type OutboxRecord } from './record.js'

export interface OutboxOptions {
  dir: string
  /** Bytes of segment files (plus the group being written) the outbox may hold. */
  budgetBytes: number
  segmentBytes: number
  log: Logger
  /** Delay before the cursor is written after it moved (resending after a crash is harmless). */
  cursorDelayMs?: number
  /** Time of each group write + fsync, for the metrics. */
  onCommit?: (seconds: number, entries: number) => void
}

/** The disk budget is used up: the entry is refused (no PUBACK), never dropped later. */
export class OutboxFullError extends Error {
  readonly code = 'OUTBOX_FULL'
}

export interface OutboxStats {
  /** Entries not yet acknowledged by the centre. */
  backlog: number
  /** Bytes of outbox files on disk, acknowledged parts of not-yet-deleted segments included. */
  bytes: number
  head: number
  tail: number
  accepting: boolean
  segments: number
}

interface Pending {
  frames: Buffer[]
  bytes: number
  resolve: () => void
  reject: (err: Error) => void
}

/** Refusing stops once usage is back under this share of the budget (no flapping at the edge). */
const RESUME_AT = 0.9

export type Outbox = Awaited<ReturnType<typeof openOutbox>>

export async function openOutbox(options: OutboxOptions) {
  const { dir, budgetBytes, segmentBytes } = options
  const log = options.log.child({ component: 'outbox' })
  const cursorDelayMs = options.cursorDelayMs ?? 200
  mkdirSync(dir, { recursive: true })

  const cursor = await openCursor(dir, log)
  const persistedHead = cursor.head
  const segments = await recoverSegments(dir, persistedHead, log)
  const tailOf = () => {
    const s = segments.at(-1) as SegmentInfo
    return s.first + s.count
  }
  const acks = new AckSet(Math.min(Math.max(persistedHead, (segments[0] as SegmentInfo).first), tailOf()))
  let active = await open((segments.at(-1) as SegmentInfo).path, 'a')
  await fsyncDir(dir)

  const events = new EventEmitter<{ flushed: []; accepting: [boolean] }>()
  let pending: Pending[] = []
  /** Bytes appended but not yet in a segment (queued or being written). */
  let reserved = 0
  let flushing: Promise<void> | null = null
  /** False from a refusal for the budget until usage is back under RESUME_AT. */
  let withinBudget = true
  /** The last write failed (e.g. ENOSPC): appends are still tried, but the status says no. */
  let writeFailing = false
  let failure: Error | null = null
  let reported = true
  let closed = false
  let cursorTimer: NodeJS.Timeout | undefined
  let cursorWrite: Promise<void> = Promise.resolve()

  const diskBytes = () => segments.reduce((sum, s) => sum + s.bytes, 0)
  const isAccepting = () => withinBudget && !writeFailing && failure === null
  const report = () => {
    const value = isAccepting()
    if (value === reported) return
    reported = value
    const why = { withinBudget, writeFailing, failed: failure !== null }
    log.warn(
      { accepting: value, ...why, bytes: diskBytes() + reserved, budgetBytes },
      'outbox accepting changed',
    )
    events.emit('accepting', value)
  }

  async function rotate(): Promise<void> {
    await active.close()
    const first = tailOf()
    const seg = { first, count: 0, bytes: 0, path: segmentPath(dir, first) }
    active = await open(seg.path, 'a')
    segments.push(seg)
    await fsyncDir(dir)
  }

  async function flushLoop(): Promise<void> {
    while (pending.length > 0) {
      const group = pending
      pending = []
      const bytes = group.reduce((sum, p) => sum + p.bytes, 0)
      const entries = group.reduce((sum, p) => sum + p.frames.length, 0)
      const started = process.hrtime.bigint()
      let seg = segments.at(-1) as SegmentInfo
      try {
        if (seg.bytes > 0 && seg.bytes + bytes > segmentBytes) {
          await rotate()
          seg = segments.at(-1) as SegmentInfo
        }
        await writeAll(active, Buffer.concat(group.flatMap((p) => p.frames)))
        await active.datasync()
      } catch (err) {
        log.error({ err, entries }, 'outbox write failed; not acknowledging these readings')
        // cut the segment back to its last durable byte so no half-written group is read later
        await active
          .truncate((segments.at(-1) as SegmentInfo).bytes)
          .then(() => active.datasync())
          .catch((e: unknown) => {
            failure = e as Error
            log.fatal({ err: e }, 'outbox cannot be repaired; refusing all readings')
          })
        reserved -= bytes
        writeFailing = true
        report()
        for (const p of group) p.reject(err as Error)
        continue
      }
      seg.bytes += bytes
      seg.count += entries
      reserved -= bytes
      if (writeFailing) {
        writeFailing = false
        report()
      }
      options.onCommit?.(Number(process.hrtime.bigint() - started) / 1e9, entries)
      for (const p of group) p.resolve()
      events.emit('flushed')
    }
  }

  function kick(): void {
    if (flushing) return
    flushing = flushLoop()
      .catch((err: unknown) => log.error({ err }, 'outbox flush loop failed: this is a bug'))
      .finally(() => {
        flushing = null
        // an append may have queued between the loop's last check and this callback
        if (pending.length > 0) kick()
      })
  }

  async function persistCursor(): Promise<void> {
    const head = acks.head
    if (head === cursor.head) return
    await cursor.write(head)
    // Only now may whole segments below the cursor go: a crash before this resends them (harmless).
    while (segments.length > 1) {
      const seg = segments[0] as SegmentInfo
      if (seg.first + seg.count > head) break
      segments.shift()
      await unlink(seg.path).catch((err: unknown) => log.error({ err, segment: seg.path }, 'unlink failed'))
    }
    if (!withinBudget && diskBytes() + reserved <= budgetBytes * RESUME_AT) {
      withinBudget = true
      report()
    }
  }

  function scheduleCursor(delayMs = cursorDelayMs): void {
    if (cursorTimer || closed) return
    cursorTimer = setTimeout(() => {
      cursorTimer = undefined
      cursorWrite = cursorWrite.then(persistCursor).catch((err: unknown) => {
        log.error({ err }, 'outbox cursor not written; retrying')
        scheduleCursor(1000)
      })
    }, delayMs)
  }

  const probe = new OutboxReader({ segments: () => segments }, acks.head, log)
  let probing: Promise<unknown> = Promise.resolve()

  return {
    events,

    /** False while the budget is full or writes fail: what the status reports. */
    get accepting() {
      return isAccepting()
    },
    /** Set when a failed write could not be cut back; every append is refused from then on. */
    get failed() {
      return failure !== null
    },

    /** Resolves once every record is fsynced; rejects (OutboxFullError, I/O error) otherwise. */
    append(records: readonly OutboxRecord[]): Promise<void> {
      if (closed) return Promise.reject(new Error('outbox closed'))
      if (failure) return Promise.reject(failure)
      const frames = records.map(encodeRecord)
      const bytes = frames.reduce((sum, f) => sum + f.length, 0)
      if (!withinBudget || diskBytes() + reserved + bytes > budgetBytes) {
        withinBudget = false
        report()
        return Promise.reject(new OutboxFullError(`outbox disk budget of ${budgetBytes} bytes is full`))
      }
      reserved += bytes
      return new Promise<void>((resolve, reject) => {
        pending.push({ frames, bytes, resolve, reject })
        kick()
      })
    },

    /** Entries `[head, durableTail)` may be read; the centre's PUBACK is reported with `ack`. */
    reader: (from: number) => new OutboxReader({ segments: () => segments }, from, log),
    get head() {
      return acks.head
    },
    get durableTail() {
      return tailOf()
    },
    isAcked: (index: number) => acks.has(index),

    ack(index: number): void {
      const before = acks.head
      acks.add(index)
      if (acks.head !== before) scheduleCursor()
    },

    stats(): OutboxStats {
      return {
        backlog: tailOf() - acks.head - acks.acknowledgedAboveHead,
        bytes: diskBytes() + reserved,
        head: acks.head,
        tail: tailOf(),
        accepting: isAccepting(),
        segments: segments.length,
      }
    },

    /** The ts of the oldest reading not yet acknowledged by the centre (null when none). */
    oldestUnsentTs(): Promise<number | null> {
      // one probe cursor: callers (status, metrics, HTTP) take turns
      const next = probing.then(async () => {
        probe.seek(acks.head)
        const entries = await probe.read(16, tailOf(), acks.has.bind(acks))
        for (const { record } of entries) if (record.type === 'reading') return record.ts
        return null
      })
      probing = next.catch(() => null)
      return next
    },

    /** Writes what is queued, persists the cursor and closes the files. */
    async close(): Promise<void> {
      closed = true
      clearTimeout(cursorTimer)
      while (flushing) await flushing
      await cursorWrite
      await persistCursor().catch((err: unknown) => log.error({ err }, 'outbox cursor not written'))
      await probe.close()
      await active.close()
      await cursor.close()
    },
  }
}
