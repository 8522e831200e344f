/**
 * The broker's session journal: one JSON line per change to retained messages and persistent
 * sessions, appended with group commit (all changes of one event-loop turn share one write(2),
 * and an fdatasync when MQTT_PERSISTENCE_FSYNC is on). A change's promise resolves after its
 * line was written (the session store waits for it only where an acknowledgement follows).
 * On start the journal is replayed and rewritten as a snapshot; it is compacted again when it
 * has grown well past the live state. A torn last line (crash mid-write) is skipped.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  write,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { decodePacket, encodePacket, type StoredPacket } from './packets.js'

type SubRecord = { topic: string; qos: number; rh?: number; rap?: boolean; nl?: boolean }

export type Op =
  | { o: 'r'; p: StoredPacket }
  | { o: 'sa'; c: string; s: SubRecord[] }
  | { o: 'sr'; c: string; t: string[] }
  | { o: 'sc'; c: string }
  | { o: 'oe'; c: string[]; p: StoredPacket }
  | { o: 'oq'; c: string; p: StoredPacket }
  | { o: 'ou'; c: string; p: StoredPacket }
  | { o: 'oc'; c: string; m: number }
  | { o: 'is'; c: string; p: StoredPacket }
  | { o: 'id'; c: string; m: number }
  | { o: 'ic'; c: string }
  | { o: 'wp'; c: string; p: StoredPacket }
  | { o: 'wd'; c: string }

export interface Journal {
  replay(): Iterable<Op>
  /** Appends the change; `snapshot` is called if the journal decides to compact right after. */
  append(op: Op, snapshot: () => Op[]): Promise<void>
  /** Rewrites the journal as exactly these changes. */
  compact(ops: Op[]): void
  close(): Promise<void>
}

export const JOURNAL_FILE = 'sessions.jsonl'

const encodeOp = (op: Op) => JSON.stringify('p' in op ? { ...op, p: encodePacket(op.p) } : op)
const decodeOp = (line: string): Op => {
  const raw = JSON.parse(line) as Op
  return 'p' in raw ? ({ ...raw, p: decodePacket(raw.p) } as Op) : raw
}

export function openJournal(dir: string, options: { fsync: boolean; log: Logger }): Journal {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, JOURNAL_FILE)
  const log = options.log
  let fd: number | undefined
  let pending: string[] = []
  let waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = []
  let writing: Promise<void> | undefined
  let scheduled = false
  let sinceCompaction = 0
  let liveOps = 0
  let latestSnapshot: (() => Op[]) | undefined

  const compact = (ops: Op[]) => {
    const tmp = `${path}.tmp`
    writeFileSync(tmp, ops.map((op) => `${encodeOp(op)}\n`).join(''))
    const tmpFd = openSync(tmp, 'r')
    fsyncSync(tmpFd)
    closeSync(tmpFd)
    renameSync(tmp, path)
    if (fd !== undefined) closeSync(fd)
    fd = openSync(path, 'a')
    sinceCompaction = 0
    liveOps = ops.length
    // changes not yet written are part of the snapshot already
    pending = []
    const done = waiters
    waiters = []
    for (const w of done) w.resolve()
  }

  const flush = () => {
    scheduled = false
    if (pending.length === 0 || fd === undefined) return
    const lines = pending
    const batch = waiters
    pending = []
    waiters = []
    const buffer = Buffer.from(lines.join(''))
    const target = fd
    writing = new Promise<void>((resolve) => {
      write(target, buffer, (err) => {
        const finish = (error: Error | null) => {
          for (const w of batch) error ? w.reject(error) : w.resolve()
          sinceCompaction += lines.length
          writing = undefined
          resolve()
          if (error) log.error({ err: error }, 'broker session journal write failed')
          if (!error && latestSnapshot && sinceCompaction > Math.max(10_000, 2 * liveOps)) {
            try {
              compact(latestSnapshot())
            } catch (err) {
              log.error({ err }, 'broker session journal compaction failed')
            }
          }
          if (pending.length > 0) schedule()
        }
        if (err || !options.fsync) return finish(err)
        fdatasync(target, finish)
      })
    })
  }

  const schedule = () => {
    if (scheduled || writing) return
    scheduled = true
    setImmediate(flush)
  }

  return {
    *replay() {
      let text: string
      try {
        text = readFileSync(path, 'utf8')
      } catch {
        return // first start
      }
      const lines = text.split('\n')
      let bad = 0
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string
        if (!line) continue
        let op: Op
        try {
          op = decodeOp(line)
        } catch {
          if (i < lines.length - 1) bad += 1 // the last line may be torn by a crash
          continue
        }
        yield op
      }
      if (bad > 0) log.warn({ path, lines: bad }, 'skipped unreadable lines of the broker session journal')
    },
    append(op, snapshot) {
      latestSnapshot = snapshot
      pending.push(`${encodeOp(op)}\n`)
      const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }))
      schedule()
      return done
    },
    compact,
    async close() {
      while (writing || scheduled) {
        if (scheduled) flush()
        await writing
      }
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}
