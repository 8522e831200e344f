/**
 * The ingest log's CSV lines (ingest-log.ts, "Format"), written straight into one reused buffer.
 * Built as a string, every batch cost a string per field and per line plus the bytes
 * `writeFileSync` made of it: at 10k readings/s that was ~15 % of everything the server
 * allocated, and each allocation brings V8's next young-generation pause closer (docs/benchmarks.md).
 * Integers (ts in µs, seq, whole values) and values with up to three decimals are written digit
 * by digit, 32-bit arithmetic only (a row took ~650 ns before that, ~280 ns after, in a
 * micro-benchmark of paddy rows); other values become a string, the same one `String(value)` gives.
 */
import type { StoredReading } from '../store.js'

const COMMA = 0x2c
const NEWLINE = 0x0a
const MINUS = 0x2d
const ZERO = 0x30
const DOT = 0x2e

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

  /**
   * Device ids, metric names and quality flags are ASCII (validated at the edge), and a byte per
   * character written here costs less than the call into `buf.write` (~2/3 of the encoder's time
   * went to two such calls per row). Anything else goes through `buf.write` as UTF-8.
   */
  private text(s: string) {
    const buf = this.buf
    const start = this.pos
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        this.pos = start + buf.write(s, start)
        return
      }
      buf[start + i] = c
    }
    this.pos = start + s.length
  }

  /** As `${n}` would write it: digits for safe integers and short decimals, `String(n)` for the rest. */
  private number(n: number) {
    if (!Number.isSafeInteger(n)) {
      if (!this.decimal(n)) this.text(String(n))
      return
    }
    let v = n
    if (v < 0) {
      this.byte(MINUS)
      v = -v
    }
    if (v < 1e8) {
      this.digits(v, digitCount(v))
      return
    }
    // up to 16 digits: the high part (< 1e8 below 2 ** 53) and the low 8 with leading zeros, so
    // that each half is written with 32-bit integer arithmetic
    const high = Math.floor(v / 1e8)
    this.digits(high, digitCount(high))
    this.digits(v - high * 1e8, 8)
  }

  /**
   * A value with one to three decimals (most readings: 12.3 cm, 3.72 V) written as `String(n)`
   * would, without making the string: n is m / 10^k for the smallest k that gives it, since the
   * division of two exact integers rounds like parsing the decimal does, so those digits are the
   * shortest that read back as n. False for anything else.
   */
  private decimal(n: number): boolean {
    for (let k = 1, scale = 10; k <= 3; k++, scale *= 10) {
      const m = Math.round(n * scale)
      if (m / scale !== n) continue
      if (!Number.isSafeInteger(m)) return false
      let v = m
      if (v < 0) {
        this.byte(MINUS)
        v = -v
      }
      const whole = Math.floor(v / scale)
      this.number(whole)
      this.byte(DOT)
      this.digits(v - whole * scale, k)
      return true
    }
    return false
  }

  /** `count` decimal digits of `v` (an integer below 1e8), zero-padded on the left. */
  private digits(v: number, count: number) {
    let rest = v | 0
    const end = this.pos + count
    for (let i = end - 1; i >= this.pos; i--) {
      const q = (rest / 10) | 0
      this.buf[i] = ZERO + rest - q * 10
      rest = q
    }
    this.pos = end
  }
}

/** Decimal digits of an integer 0 ≤ v < 1e8. */
function digitCount(v: number): number {
  if (v < 1e4) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4
  return v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : 8
}
