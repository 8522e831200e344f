import { type FileHandle, open } from 'node:fs/promises'
import type { Logger } from 'pino'
import { decodeRecord, type OutboxRecord, readFrame } from './record.js'

/** One outbox segment file: entries `first .. first + count - 1`, `bytes` of them durable. */
export interface SegmentInfo {
  first: number
  count: number
  bytes: number
  path: string
}

export interface SegmentSource {
  /** Oldest first; the last one is the segment being appended to. */
  segments(): readonly SegmentInfo[]
}

export interface OutboxEntry {
  index: number
  record: OutboxRecord
}

const READ_AHEAD_BYTES = 64 * 1024

/**
 * A forward cursor over the durable part of the outbox. It reads the segment files sequentially
 * with a small read-ahead buffer (memory: one buffer, one open file), so a backlog of any size
 * is sent without being loaded. Moving backwards re-reads the segment from its start.
 */
export class OutboxReader {
  /** The next index `read` will consider. */
  index: number
  #file: { first: number; handle: FileHandle } | undefined
  /** Bytes of the current segment from `#fileOffset` on that were read but not yet consumed. */
  #buf: Buffer = Buffer.alloc(0)
  #fileOffset = 0
  /** Index of the entry at `#fileOffset`. */
  #posIndex = 0

  constructor(
    private readonly source: SegmentSource,
    from: number,
    private readonly log: Logger,
  ) {
    this.index = from
  }

  seek(index: number): void {
    this.index = index
  }

  /**
   * Up to `max` entries with `index <= i < until`, in order, leaving out those `skip` says were
   * sent already (they are passed over, not returned).
   */
  async read(max: number, until = Number.POSITIVE_INFINITY, skip?: (index: number) => boolean) {
    const out: OutboxEntry[] = []
    while (out.length < max && this.index < until) {
      const seg = this.source.segments().find((s) => this.index < s.first + s.count)
      if (!seg) break
      if (this.index < seg.first) this.index = seg.first // older entries were acknowledged and deleted
      if (this.#file?.first !== seg.first || this.#posIndex > this.index) await this.#openAt(seg)
      const body = await this.#nextFrame(seg)
      if (body === null) break
      if (body === 'corrupt') {
        // only possible in a sealed segment damaged after it was written: skip the rest of it
        this.log.error(
          { segment: seg.path, index: this.#posIndex },
          'corrupt outbox segment; skipping its rest',
        )
        this.index = seg.first + seg.count
        continue
      }
      const index = this.#posIndex++
      if (index < this.index || skip?.(index)) {
        if (index >= this.index) this.index = index + 1
        continue
      }
      this.index = index + 1
      try {
        out.push({ index, record: decodeRecord(body) })
      } catch (err) {
        this.log.error({ err, index }, 'undecodable outbox entry; skipping it')
      }
    }
    return out
  }

  async close(): Promise<void> {
    const file = this.#file
    this.#file = undefined
    this.#buf = Buffer.alloc(0)
    await file?.handle.close().catch(() => {})
  }

  async #openAt(seg: SegmentInfo): Promise<void> {
    await this.close()
    this.#file = { first: seg.first, handle: await open(seg.path, 'r') }
    this.#fileOffset = 0
    this.#posIndex = seg.first
  }

  /** The body of the frame at `#posIndex` (consumed), null at the end of the durable bytes. */
  async #nextFrame(seg: SegmentInfo): Promise<Buffer | null | 'corrupt'> {
    for (;;) {
      const frame = readFrame(this.#buf)
      if (frame.status === 'ok') {
        this.#buf = this.#buf.subarray(frame.length)
        this.#fileOffset += frame.length
        return frame.body
      }
      if (frame.status === 'corrupt') return 'corrupt'
      const readFrom = this.#fileOffset + this.#buf.length
      const available = seg.bytes - readFrom
      if (available <= 0) return this.#buf.length > 0 && seg.bytes > 0 ? 'corrupt' : null
      const want = Math.min(available, Math.max(READ_AHEAD_BYTES, frame.needed - this.#buf.length))
      const chunk = Buffer.allocUnsafe(want)
      const handle = (this.#file as { handle: FileHandle }).handle
      const { bytesRead } = await handle.read(chunk, 0, want, readFrom)
      if (bytesRead === 0) return null
      this.#buf = this.#buf.length
        ? Buffer.concat([this.#buf, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead)
    }
  }
}
