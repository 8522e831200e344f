/**
 * What one outbox entry holds and how it is framed on disk. A frame is
 * `[u32 LE length][u32 LE crc32(body)][body: JSON]`; a torn or corrupt frame ends the log (the
 * tail of the active segment after a crash), so nothing half-written is ever read back.
 */
import { crc32 } from 'node:zlib'

/** One reading of one device, as the device sent it (ts in epoch ms, metric values untouched). */
export interface ReadingRecord {
  type: 'reading'
  deviceId: string
  ts: number
  seq: number
  m: Record<string, unknown>
  /** Came in a `{batch:[...]}` payload: forwarded as a batch even on the live path. */
  batch?: boolean
}

/** A payload that failed validation here: forwarded alone and unchanged, so the centre dead-letters it. */
export interface RawRecord {
  type: 'raw'
  deviceId: string
  payload: Buffer
}

export type OutboxRecord = ReadingRecord | RawRecord

export const FRAME_HEADER_BYTES = 8
/** A frame longer than this is garbage (a corrupt length), not a record. */
export const MAX_FRAME_BODY_BYTES = 4 * 1024 * 1024

type Stored =
  | { d: string; t: number; s: number; m: Record<string, unknown>; b?: 1 }
  | { d: string; raw: string }

export function encodeRecord(record: OutboxRecord): Buffer {
  const stored: Stored =
    record.type === 'raw'
      ? { d: record.deviceId, raw: record.payload.toString('base64') }
      : {
          d: record.deviceId,
          t: record.ts,
          s: record.seq,
          m: record.m,
          ...(record.batch ? { b: 1 as const } : {}),
        }
  const body = Buffer.from(JSON.stringify(stored), 'utf8')
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length)
  frame.writeUInt32LE(body.length, 0)
  frame.writeUInt32LE(crc32(body), 4)
  body.copy(frame, FRAME_HEADER_BYTES)
  return frame
}

export function decodeRecord(body: Buffer): OutboxRecord {
  const stored = JSON.parse(body.toString('utf8')) as Stored
  if ('raw' in stored) return { type: 'raw', deviceId: stored.d, payload: Buffer.from(stored.raw, 'base64') }
  return {
    type: 'reading',
    deviceId: stored.d,
    ts: stored.t,
    seq: stored.s,
    m: stored.m,
    ...(stored.b ? { batch: true } : {}),
  }
}

export type FrameRead =
  | { status: 'ok'; body: Buffer; length: number }
  | { status: 'partial'; needed: number }
  | { status: 'corrupt' }

/** The frame at `offset` of `buf`: intact, cut off by the end of `buf` (`needed` bytes in all), or corrupt. */
export function readFrame(buf: Buffer, offset = 0): FrameRead {
  if (offset + FRAME_HEADER_BYTES > buf.length) return { status: 'partial', needed: FRAME_HEADER_BYTES }
  const length = buf.readUInt32LE(offset)
  if (length === 0 || length > MAX_FRAME_BODY_BYTES) return { status: 'corrupt' }
  const start = offset + FRAME_HEADER_BYTES
  if (start + length > buf.length) return { status: 'partial', needed: FRAME_HEADER_BYTES + length }
  const body = buf.subarray(start, start + length)
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { status: 'corrupt' }
  return { status: 'ok', body, length: FRAME_HEADER_BYTES + length }
}

/** Counts the intact frames at the start of `buf`; `end` is the byte after the last one. */
export function scanFrames(buf: Buffer): { count: number; end: number; corrupt: boolean } {
  let count = 0
  let end = 0
  for (;;) {
    const frame = readFrame(buf, end)
    if (frame.status !== 'ok') return { count, end, corrupt: frame.status === 'corrupt' }
    count++
    end += frame.length
  }
}
