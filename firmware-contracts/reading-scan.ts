/**
 * A byte-level reader for the one payload shape nearly every message has:
 * `{"ts":<int>,"seq":<int>,"m":{<declared metric>:<number>,…}}`. It builds the reading straight
 * from the received bytes, without the string and the parse tree `JSON.parse` makes per message
 * (the validation was ~10 % of the server's CPU in a flood). Anything it is not sure of —
 * other key orders, escapes, exponents, long numbers, unknown or repeated metrics, batches, any
 * out-of-range value — gives undefined, and validateTelemetry takes the general path, which also
 * words the reasons. reading-scan.test.ts checks that both agree.
 */
import { DEVICE_KINDS, type DeviceKind, KIND_METRICS } from './kinds.js'
import type { Reading } from './telemetry.js'
import { MAX_TS_MS, MIN_TS_MS } from './timestamp.js'

/** What the general path accepts; passed in by telemetry.ts, which owns these rules. */
export interface ReadingRules {
  maxSeq: number
  maxMetrics: number
  isMetricName: (name: string) => boolean
}

/** Reads one reading of a device of `kind` from `bytes`, or undefined to leave it to the general path. */
export type ReadingScanner = (kind: DeviceKind, bytes: Uint8Array) => Reading | undefined

interface DeclaredMetric {
  /** The declared name itself, so each reading reuses it instead of making a string. */
  readonly name: string
  /** The name in quotes, as it must appear byte for byte (metric names need no escapes). */
  readonly quoted: Uint8Array
  readonly min: number
  readonly max: number
}

const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const COMMA = 0x2c
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d

const encoder = new TextEncoder()
const TS_KEY = encoder.encode('"ts"')
const SEQ_KEY = encoder.encode('"seq"')
const M_KEY = encoder.encode('"m"')

/** Repeated metrics are spotted with one bit per declared metric, so only the first 32 are read here. */
const SEEN_BITS = 32
/** At most 15 significant digits: the digits then form an integer below 2^53, held exactly. */
const MAX_DIGITS = 999_999_999_999_999
/** 10^0..10^22, the powers of ten a double holds exactly (5^22 < 2^53). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
]

/**
 * A scanner for payloads the general path would accept unchanged under `rules`.
 * @example createReadingScanner({ maxSeq: UINT32_MAX, maxMetrics: 32, isMetricName: (n) => METRIC_NAME.test(n) })
 */
export function createReadingScanner(rules: ReadingRules): ReadingScanner {
  const declared = {} as Record<DeviceKind, readonly DeclaredMetric[]>
  for (const kind of DEVICE_KINDS) declared[kind] = declaredMetrics(kind, rules)
  return (kind, bytes) => scanReading(declared[kind], rules, bytes)
}

/** The metrics of `kind` that a reading may name; a name the general path refuses is left to it. */
function declaredMetrics(kind: DeviceKind, rules: ReadingRules): DeclaredMetric[] {
  return Object.entries(KIND_METRICS[kind])
    .filter(([name]) => rules.isMetricName(name))
    .slice(0, SEEN_BITS)
    .map(([name, spec]) => ({ name, quoted: encoder.encode(`"${name}"`), min: spec.min, max: spec.max }))
}

/**
 * Where a number ends: readNumber's second result. One per call; V8 keeps it in registers, so
 * it costs no allocation.
 */
interface Cursor {
  pos: number
}

/**
 * Reads the shape in order. The steps take and return a byte offset, -1 once the payload has
 * left the shape, so they chain and are checked where a value is read.
 */
function scanReading(
  metrics: readonly DeclaredMetric[],
  rules: ReadingRules,
  bytes: Uint8Array,
): Reading | undefined {
  const c: Cursor = { pos: afterKey(bytes, afterByte(bytes, 0, OPEN), TS_KEY) }
  const ts = readNumber(bytes, c, false)
  if (!(ts >= MIN_TS_MS && ts <= MAX_TS_MS)) return undefined
  c.pos = afterKey(bytes, afterByte(bytes, c.pos, COMMA), SEQ_KEY)
  const seq = readNumber(bytes, c, false)
  if (!(seq >= 0 && seq <= rules.maxSeq)) return undefined
  let pos = afterByte(bytes, afterKey(bytes, afterByte(bytes, c.pos, COMMA), M_KEY), OPEN)
  const m: Record<string, number> = {}
  let seen = 0
  let count = 0
  for (;;) {
    const at = skipSpace(bytes, pos)
    const index = metricAt(metrics, bytes, at)
    if (index < 0 || seen & (1 << index) || ++count > rules.maxMetrics) return undefined
    seen |= 1 << index
    const metric = metrics[index] as DeclaredMetric
    c.pos = afterByte(bytes, at + metric.quoted.length, COLON)
    const value = readNumber(bytes, c, true)
    // NaN (no number here, or too many digits) fails this too
    if (!(value >= metric.min && value <= metric.max)) return undefined
    m[metric.name] = value
    pos = skipSpace(bytes, c.pos)
    if (byteAt(bytes, pos) !== COMMA) break
    pos++
  }
  pos = skipSpace(bytes, afterByte(bytes, afterByte(bytes, pos, CLOSE), CLOSE))
  return pos === bytes.length ? { ts, seq, m } : undefined
}

const isSpace = (b: number): boolean => b === SPACE || b === LF || b === CR || b === TAB
const isDigit = (b: number): boolean => b >= ZERO && b <= NINE

/**
 * The byte at `pos`, or -1 outside the payload, where a read would slow the optimised code. One
 * unsigned compare checks both ends: a failed step's -1 becomes 2^32 - 1.
 */
const byteAt = (bytes: Uint8Array, pos: number): number =>
  pos >>> 0 < bytes.length ? (bytes[pos] as number) : -1

function skipSpace(bytes: Uint8Array, pos: number): number {
  while (isSpace(byteAt(bytes, pos))) pos++
  return pos
}

/** Past `byte`, after optional whitespace. */
function afterByte(bytes: Uint8Array, pos: number, byte: number): number {
  const at = skipSpace(bytes, pos)
  return byteAt(bytes, at) === byte ? at + 1 : -1
}

/** Past `"key":`, with optional whitespace around both. */
function afterKey(bytes: Uint8Array, pos: number, key: Uint8Array): number {
  const at = skipSpace(bytes, pos)
  return matches(bytes, at, key) ? afterByte(bytes, at + key.length, COLON) : -1
}

/** Index of the declared metric whose quoted name starts at `pos`, or -1 for any other string. */
function metricAt(metrics: readonly DeclaredMetric[], bytes: Uint8Array, pos: number): number {
  for (let i = 0; i < metrics.length; i++)
    if (matches(bytes, pos, (metrics[i] as DeclaredMetric).quoted)) return i
  return -1
}

/** Compared from the end: the closing quote comes first and rules out names of another length. */
function matches(bytes: Uint8Array, pos: number, expected: Uint8Array): boolean {
  if (pos < 0 || pos + expected.length > bytes.length) return false
  for (let i = expected.length - 1; i >= 0; i--) if (bytes[pos + i] !== expected[i]) return false
  return true
}

/**
 * Reads the JSON number after optional whitespace at the cursor, without exponent:
 * `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, with no fraction unless `fraction`. Returns it as JSON.parse
 * would: the digits as an exact integer divided by an exact power of ten, which IEEE division
 * rounds correctly; `-0` stays -0. NaN where the grammar or that exactness fails (over 15
 * significant digits, over 22 fraction digits). What follows (`e`, a second dot) is left for the
 * caller's next step to refuse. Works on a local offset: the cursor is written once, at the end,
 * which keeps the digit loops in registers.
 */
function readNumber(bytes: Uint8Array, c: Cursor, fraction: boolean): number {
  let pos = skipSpace(bytes, c.pos)
  const negative = byteAt(bytes, pos) === MINUS
  if (negative) pos++
  const start = pos
  let digits = 0
  let b = byteAt(bytes, pos)
  for (; isDigit(b); b = byteAt(bytes, ++pos)) digits = digits * 10 + (b - ZERO)
  // at least one integer digit, and no leading zero
  if (pos === start || (pos > start + 1 && byteAt(bytes, start) === ZERO)) return Number.NaN
  let fractionDigits = 0
  if (fraction && b === DOT) {
    const fractionStart = ++pos
    for (b = byteAt(bytes, pos); isDigit(b); b = byteAt(bytes, ++pos)) digits = digits * 10 + (b - ZERO)
    fractionDigits = pos - fractionStart
    if (fractionDigits === 0) return Number.NaN
  }
  c.pos = pos
  // the sum only grows, so one that ends within MAX_DIGITS was exact at every step
  if (digits > MAX_DIGITS || fractionDigits >= POW10.length) return Number.NaN
  const magnitude = digits / (POW10[fractionDigits] as number)
  return negative ? -magnitude : magnitude
}
