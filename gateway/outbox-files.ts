/** The outbox's files: segment recovery at start, the cursor file, fsync helpers. */
import { readdirSync } from 'node:fs'
import { type FileHandle, open, readFile, stat, truncate, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import type { Logger } from 'pino'
import type { SegmentInfo } from './outbox-reader.js'
import { scanFrames } from './record.js'

const SUFFIX = '.seg'
const CURSOR = 'cursor.bin'

/** Segment files are named by the index of their first entry, zero-padded so they sort. */
export const segmentPath = (dir: string, first: number) =>
  join(dir, `${String(first).padStart(16, '0')}${SUFFIX}`)

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let done = 0
  while (done < data.length) done += (await handle.write(data, done, data.length - done)).bytesWritten
}

export interface CursorFile {
  /** The first entry not yet acknowledged by the centre, as last persisted (0 when none). */
  readonly head: number
  write(head: number): Promise<void>
  close(): Promise<void>
}

const SLOT_BYTES = 16

function readSlot(buf: Buffer, slot: number): { head: number; generation: number } | null {
  const at = slot * SLOT_BYTES
  if (buf.length < at + SLOT_BYTES) return null
  if (crc32(buf.subarray(at, at + 12)) !== buf.readUInt32LE(at + 12)) return null
  const head = Number(buf.readBigUInt64LE(at))
  return Number.isSafeInteger(head) ? { head, generation: buf.readUInt32LE(at + 8) } : null
}

/**
 * The send cursor, overwritten in place in one of two checksummed 16-byte slots (alternating),
 * so moving it never needs a new disk block: on a full disk the cursor can still advance, which
 * is what lets acknowledged segments be deleted and space come back. A torn write spoils at most
 * the slot being written; the other one still holds the previous cursor.
 */
export async function openCursor(dir: string, log: Logger): Promise<CursorFile> {
  const path = join(dir, CURSOR)
  const handle = await open(path, 'a+').then(async (h) => {
    await h.close()
    return open(path, 'r+')
  })
  const buf = Buffer.alloc(2 * SLOT_BYTES)
  const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
  const slots = [readSlot(buf, 0), readSlot(buf, 1)].filter((s) => s !== null)
  const best = slots.sort((a, b) => b.generation - a.generation)[0]
  if (!best && bytesRead > 0) log.error({ path }, 'outbox cursor unreadable; resending from the oldest entry')
  if (bytesRead < buf.length) {
    // allocate both slots now, while there is space
    await handle.write(buf.subarray(bytesRead), 0, buf.length - bytesRead, bytesRead)
    await handle.sync()
    await fsyncDir(dir)
  }
  let generation = best?.generation ?? 0
  let head = best?.head ?? 0
  return {
    get head() {
      return head
    },
    async write(next) {
      generation = (generation + 1) >>> 0
      const slot = Buffer.alloc(SLOT_BYTES)
      slot.writeBigUInt64LE(BigInt(next), 0)
      slot.writeUInt32LE(generation, 8)
      slot.writeUInt32LE(crc32(slot.subarray(0, 12)), 12)
      await handle.write(slot, 0, SLOT_BYTES, (generation % 2) * SLOT_BYTES)
      await handle.datasync()
      head = next
    },
    close: () => handle.close(),
  }
}

/**
 * The segments on disk, oldest first; the last one is appended to. Only it can end in a torn
 * write (a segment is fsynced before the next one begins), which is cut off. Segments wholly
 * below the cursor (a crash came between writing the cursor and deleting them) are deleted.
 */
export async function recoverSegments(dir: string, head: number, log: Logger): Promise<SegmentInfo[]> {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(SUFFIX) && /^\d+$/.test(n.slice(0, -SUFFIX.length)))
    .sort()
  const firsts = names.map((n) => Number(n.slice(0, -SUFFIX.length)))
  const segments: SegmentInfo[] = []
  for (const [i, first] of firsts.entries()) {
    const path = segmentPath(dir, first)
    const next = firsts[i + 1]
    segments.push({
      first,
      count: next === undefined ? 0 : next - first,
      bytes: (await stat(path)).size,
      path,
    })
  }
  const last = segments.at(-1)
  if (!last) return [{ first: head, count: 0, bytes: 0, path: segmentPath(dir, head) }]
  const scan = scanFrames(await readFile(last.path))
  if (scan.end < last.bytes) {
    log.warn({ segment: last.path, bytes: last.bytes, kept: scan.end }, 'cutting off a torn outbox tail')
    await truncate(last.path, scan.end)
  }
  last.count = scan.count
  last.bytes = scan.end
  while (
    segments.length > 1 &&
    (segments[0] as SegmentInfo).first + (segments[0] as SegmentInfo).count <= head
  ) {
    await unlink((segments.shift() as SegmentInfo).path)
  }
  return segments
}
