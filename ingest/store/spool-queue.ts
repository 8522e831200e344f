/**
 * The spool's on-disk queue: batches appended as lines (`{"v":1,"rows":[…]}`) to segment files of
 * about `segmentBytes`, each append fdatasync'd before it resolves. One file per segment, not per
 * batch: a five-minute TSDB outage under load made ~17,700 batch files (chaos case 2), and a
 * day-long one would make millions. A segment is read only once sealed (full, or sealed by the
 * drain when it is all that is left) and deleted only after all its batches reached the TSDB, so a
 * crash resends at most one drain's worth, which the TSDB absorbs (points keyed on series + ts).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { appendFile, type FileHandle, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { createSerial } from './serial.js'
import type { StoredReading } from './store.js'

const SUFFIX = '.ndjson'
/** One batch per file, as spools before segments wrote them: read like a one-line segment. */
const LEGACY_SUFFIX = '.batch'
type Row = [string, string, number, number, number]

export const encodeBatch = (rows: readonly StoredReading[]) =>
  `${JSON.stringify({ v: 1, rows: rows.map((r) => [r.deviceId, r.metric, r.ts, r.value, r.seq]) })}\n`

export function decodeBatch(line: string): StoredReading[] {
  const parsed = JSON.parse(line) as { v?: number; rows?: Row[] }
  if (parsed.v !== 1 || !Array.isArray(parsed.rows)) throw new Error('not a spool batch (v1)')
  return parsed.rows.map(([deviceId, metric, ts, value, seq]) => ({ deviceId, metric, ts, value, seq }))
}

export interface Segment {
  name: string
  bytes: number
  batches: number
}

export interface SpoolQueue {
  /** Batches on disk not yet removed. */
  batches(): number
  bytes(): number
  /** Appends one encoded batch to the open segment; durable when it resolves. */
  append(body: string): Promise<void>
  /**
   * The oldest sealed segments, whole, until they hold `maxRows` rows (at least one segment);
   * the open segment is sealed first when nothing else is left. Lines that do not parse are
   * copied to `<segment>.corrupt` and logged, never dropped silently; a torn last line (a crash
   * mid-append, so never acknowledged) is skipped.
   */
  readOldest(maxRows: number): Promise<{ segments: Segment[]; rows: StoredReading[] }>
  /** Deletes segments whose rows the TSDB accepted (the oldest ones, as `readOldest` returned them). */
  remove(segments: readonly Segment[]): Promise<void>
  close(): Promise<void>
}

function countLines(path: string): number {
  const buf = readFileSync(path)
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return n
}

export function openSpoolQueue(dir: string, options: { segmentBytes?: number; log: Logger }): SpoolQueue {
  const segmentBytes = options.segmentBytes ?? 1024 * 1024
  const { log } = options
  mkdirSync(dir, { recursive: true })
  const sealed: Segment[] = []
  let nextId = 1
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    // a `.tmp` of the one-file-per-batch spool never got renamed: never acknowledged
    if (name.endsWith('.tmp')) unlinkSync(path)
    if (!name.endsWith(SUFFIX) && !name.endsWith(LEGACY_SUFFIX)) continue
    const bytes = statSync(path).size
    // a legacy file is one batch whose line may lack its newline
    const batches = name.endsWith(LEGACY_SUFFIX) ? 1 : countLines(path)
    sealed.push({ name, bytes, batches })
    nextId = Math.max(nextId, Number.parseInt(name, 10) + 1 || nextId)
  }
  let tail: { segment: Segment; handle: FileHandle } | undefined
  let total = sealed.reduce((s, g) => s + g.bytes, 0)
  let batches = sealed.reduce((s, g) => s + g.batches, 0)
  // appends and seals run one at a time
  const serial = createSerial()

  async function syncDir() {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  async function seal() {
    if (!tail) return
    const { segment, handle } = tail
    tail = undefined
    await handle.close()
    sealed.push(segment)
  }

  async function readSegment(segment: Segment): Promise<StoredReading[]> {
    const path = join(dir, segment.name)
    const text = await readFile(path, 'utf8')
    const lines = text.split('\n')
    const rows: StoredReading[] = []
    const corrupt: string[] = []
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string
      if (line === '') continue
      const last = i === lines.length - 1 // no newline after it
      try {
        for (const row of decodeBatch(line)) rows.push(row)
      } catch (err) {
        if (last && !segment.name.endsWith(LEGACY_SUFFIX)) continue // torn by a crash: never acknowledged
        corrupt.push(line)
        log.error({ err, file: segment.name, line: i + 1 }, 'unreadable spool batch copied aside to .corrupt')
      }
    }
    if (corrupt.length > 0) await appendFile(`${path}.corrupt`, `${corrupt.join('\n')}\n`)
    return rows
  }

  return {
    batches: () => batches,
    bytes: () => total,
    append(body) {
      return serial(async () => {
        if (!tail) {
          const name = `${String(nextId++).padStart(16, '0')}${SUFFIX}`
          const handle = await open(join(dir, name), 'a')
          tail = { segment: { name, bytes: 0, batches: 0 }, handle }
          await syncDir() // the new name survives a crash
        }
        const { segment, handle } = tail
        const data = Buffer.from(body)
        try {
          await handle.writeFile(data)
          await handle.datasync()
        } catch (err) {
          // e.g. ENOSPC: cut what was written so the next append starts on a line of its own
          await handle.truncate(segment.bytes).catch(() => {})
          throw err
        }
        segment.bytes += data.length
        segment.batches += 1
        total += data.length
        batches += 1
        if (segment.bytes >= segmentBytes) await seal()
      })
    },
    async readOldest(maxRows) {
      if (sealed.length === 0) await serial(seal)
      const segments: Segment[] = []
      const rows: StoredReading[] = []
      for (const segment of sealed) {
        if (segments.length > 0 && rows.length >= maxRows) break
        for (const row of await readSegment(segment)) rows.push(row)
        segments.push(segment)
      }
      return { segments, rows }
    },
    async remove(segments) {
      for (const segment of segments) {
        const i = sealed.indexOf(segment)
        if (i === -1) continue
        sealed.splice(i, 1)
        total -= segment.bytes
        batches -= segment.batches
        await unlink(join(dir, segment.name)).catch(() => {})
      }
    },
    close: () => serial(seal),
  }
}
