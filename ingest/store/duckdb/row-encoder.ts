/**
 * The ingest log's CSV lines (ingest-log.ts, "Format"), written straight into one reused buffer.
 * Built as a string, every batch cost a string per field and per line plus the bytes
 * `writeFileSync` made of it: at 10k readings/s that was ~15 % of everything the server
 * allocated, and each allocation brings V8's next young-generation pause closer (docs/benchmarks.md).
 * Integers (ts in µs, seq, whole values) are written digit by digit; only fractional values
 * become a string, the same one `String(value)` gives.
 */
import type { StoredReading } from '../store.js'

const COMMA = 0x2c
const NEWLINE = 0x0a
const MINUS = 0x2d
const ZERO = 0x30

export class RowEncoder {
  private buf: Buffer
  private pos = 0

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  /**
   * The rows as CSV lines: a view of the encoder's buffer, valid until the next `encode` (write it
   * out before encoding again).
   */
  encode(rows: readonly StoredReading[]): Buffer {
    this.pos = 0
    for (const r of rows) {
      // worst case per line: strings as UTF-8 (3 bytes per UTF-16 unit), numbers ≤ 25 bytes each
      this.room(3 * (r.deviceId.length + r.metric.length + (r.quality?.length ?? 0)) + 3 * 25 + 6)
      this.text(r.deviceId)
      this.byte(COMMA)
      this.text(r.metric)
      this.byte(COMMA)
      this.number(Math.round(r.ts * 1000))
      this.byte(COMMA)
      this.number(r.value)
      this.byte(COMMA)
      this.number(r.seq)
      this.byte(COMMA)
      if (r.quality !== undefined) this.text(r.quality)
      this.byte(NEWLINE)
    }
    return this.buf.subarray(0, this.pos)
  }

  private room(bytes: number) {
    if (this.pos + bytes <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + bytes))
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  private byte(b: number) {
    this.buf[this.pos++] = b
  }

  private text(s: string) {
    this.pos += this.buf.write(s, this.pos)
  }

  /** As `${n}` would write it: digits for safe integers, `String(n)` for the rest. */
  private number(n: number) {
    if (!Number.isSafeInteger(n)) {
      this.text(String(n))
      return
    }
    let v = n
    if (v < 0) {
      this.byte(MINUS)
      v = -v
    }
    let digits = 1
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++
    const end = this.pos + digits
    for (let i = end - 1; i >= this.pos; i--) {
      this.buf[i] = ZERO + (v % 10)
      v = Math.floor(v / 10)
    }
    this.pos = end
  }
}
