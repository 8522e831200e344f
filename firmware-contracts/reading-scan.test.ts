import { describe, expect, it } from 'vitest'
import { publishTemplate, writeFromTemplate } from '../simulators/load/packets.js'
import { createModel } from '../simulators/models/index.js'
import { createRandom } from '../simulators/random.js'
import { DEVICE_KINDS, type DeviceKind, KIND_METRICS, type MetricSpec } from './kinds.js'
import { createReadingScanner } from './reading-scan.js'
import {
  MAX_METRICS_PER_READING,
  MetricNameSchema,
  type Reading,
  type TelemetryVerdict,
  UINT32_MAX,
  validateTelemetry,
} from './telemetry.js'
import { MAX_TS_MS, MIN_TS_MS } from './timestamp.js'

const scan = createReadingScanner({
  maxSeq: UINT32_MAX,
  maxMetrics: MAX_METRICS_PER_READING,
  isMetricName: (name) => MetricNameSchema.safeParse(name).success,
})

const TS = 1782864000000
const PLAIN = `{"ts":${TS},"seq":         1,"m":{"water_depth_cm":7.5,"water_temp_c":21.3,"battery_v":3.61,"rssi_dbm":-71}}`

/** The payload with `metrics` (raw JSON text after `"m":{`) in place of the usual ones. */
const withMetrics = (metrics: string): string => `{"ts":${TS},"seq":1,"m":{${metrics}}}`

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8')

/** Same values down to -0, in the same property order. */
function expectSameReading(actual: Reading, expected: Reading, text: string): void {
  expect(actual, text).toStrictEqual(expected)
  expect(Object.keys(actual.m), text).toEqual(Object.keys(expected.m))
  expect(Object.is(actual.ts, expected.ts) && Object.is(actual.seq, expected.seq), text).toBe(true)
  for (const metric in expected.m) expect(Object.is(actual.m[metric], expected.m[metric]), text).toBe(true)
}

function expectSameVerdict(actual: TelemetryVerdict, expected: TelemetryVerdict, text: string): void {
  expect(actual, text).toStrictEqual(expected)
  if (!actual.ok || !expected.ok) return
  for (const [i, reading] of actual.readings.entries()) {
    expectSameReading(reading, expected.readings[i] as Reading, text)
  }
}

type Rnd = () => number
const pick = <T>(rnd: Rnd, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T
const int = (rnd: Rnd, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1))
const digits = (rnd: Rnd, n: number): string => Array.from({ length: n }, () => int(rnd, 0, 9)).join('')

/** A number as text, and whether the scanner must read it (plain grammar, ≤ 15 digits, ≤ 22 decimals). */
interface NumberText {
  text: string
  plain: boolean
}

/** Mostly values a device sends; sometimes the edges of the grammar, the digit limits or the range. */
function metricValue(rnd: Rnd, spec: MetricSpec): NumberText {
  const span = spec.max - spec.min
  const shape = rnd()
  if (shape < 0.3) return { text: String(Math.round(spec.min + rnd() * span)), plain: true }
  if (shape < 0.55) return { text: (spec.min + rnd() * span).toFixed(int(rnd, 1, 4)), plain: true }
  if (shape < 0.7) {
    // up to 15 significant digits: the digits stay exact; the division must round like JSON.parse
    const whole = String(Math.floor(rnd() * spec.max))
    const fraction = digits(rnd, int(rnd, 1, 15 - whole.length))
    return { text: `${rnd() < 0.3 && spec.min < 0 ? '-' : ''}${whole}.${fraction}`, plain: true }
  }
  if (shape < 0.75) return { text: pick(rnd, ['-0', '-0.0', '0', '0.000', '-0.00']), plain: true }
  if (shape < 0.8) {
    const edge = pick(rnd, [spec.min, spec.max])
    return { text: String(edge), plain: true }
  }
  if (shape < 0.85) {
    // just outside the sensor range
    const text = pick(rnd, [String(spec.max + 0.001), String(spec.min - 1), `${spec.max}.0000001`])
    return { text, plain: true }
  }
  if (shape < 0.9)
    return pick(rnd, [
      { text: `0.${'0'.repeat(21)}1`, plain: true },
      { text: `1.${digits(rnd, 14)}`, plain: true },
      { text: `0.${'0'.repeat(22)}1`, plain: false },
    ])
  return {
    text: pick(rnd, [
      `1.${digits(rnd, 15)}`,
      `${int(rnd, 1, 9)}e0`,
      '75E-1',
      '1.5e+1',
      '07',
      '-',
      '1.',
      '.5',
      '+1',
      '"7.5"',
      'null',
      '1e999',
    ]),
    plain: false,
  }
}

const SPACES = [' ', '\t', '\n', '\r']

/** Usually no whitespace; sometimes a few of each kind JSON allows. */
const ws = (rnd: Rnd): string =>
  rnd() < 0.7 ? '' : Array.from({ length: int(rnd, 1, 3) }, () => pick(rnd, SPACES)).join('')

function tsText(rnd: Rnd): NumberText {
  const shape = rnd()
  if (shape < 0.8) return { text: String(int(rnd, MIN_TS_MS, MAX_TS_MS)), plain: true }
  if (shape < 0.9)
    return { text: String(pick(rnd, [MIN_TS_MS, MAX_TS_MS, MIN_TS_MS - 1, MAX_TS_MS + 1])), plain: true }
  return {
    text: pick(rnd, [`${TS}.0`, '1.782864e12', `-${TS}`, `${TS}0000`, '"2026-07-01T09:00:00+09:00"']),
    plain: false,
  }
}

function seqText(rnd: Rnd): NumberText {
  const shape = rnd()
  // the load generator pads seq to 10 characters with spaces
  if (shape < 0.4) return { text: String(int(rnd, 0, UINT32_MAX)).padStart(10, ' '), plain: true }
  if (shape < 0.8) return { text: String(int(rnd, 0, 100_000)), plain: true }
  if (shape < 0.9)
    return { text: pick(rnd, ['0', '-0', String(UINT32_MAX), String(UINT32_MAX + 1), '-1']), plain: true }
  return { text: pick(rnd, ['1.0', '1.5', '1e3', '01']), plain: false }
}

function shuffled<T>(rnd: Rnd, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(rnd, 0, i)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

/** What the payload is made of, so a mutation can rebuild it differently. */
interface Parts {
  ts: string
  seq: string
  entries: string[]
}

const assemble = (rnd: Rnd, p: Parts): string =>
  `${ws(rnd)}{${ws(rnd)}"ts"${ws(rnd)}:${ws(rnd)}${p.ts}${ws(rnd)},${ws(rnd)}"seq"${ws(rnd)}:${ws(rnd)}${p.seq}${ws(rnd)},` +
  `${ws(rnd)}"m"${ws(rnd)}:${ws(rnd)}{${p.entries.join(',')}}${ws(rnd)}}${ws(rnd)}`

/** Changes that take a payload off the scanner's shape; the general path decides what they mean. */
const MUTATIONS: ReadonlyArray<(rnd: Rnd, p: Parts, kind: DeviceKind) => string> = [
  (_, p) => `{"seq":${p.seq},"ts":${p.ts},"m":{${p.entries.join(',')}}}`,
  (_, p) => `{"m":{${p.entries.join(',')}},"ts":${p.ts},"seq":${p.seq}}`,
  (rnd, p) => assemble(rnd, { ...p, entries: [...p.entries, `"unknown_metric_cm":1`] }),
  (rnd, p, kind) => {
    const other = pick(
      rnd,
      DEVICE_KINDS.filter((k) => k !== kind),
    )
    return assemble(rnd, { ...p, entries: [`"${Object.keys(KIND_METRICS[other])[0]}":1`, ...p.entries] })
  },
  (rnd, p) =>
    assemble(rnd, { ...p, entries: p.entries.map((e, i) => (i === 0 ? e.replace('_', '\\u005f') : e)) }),
  (rnd, p) => assemble(rnd, { ...p, entries: [...p.entries, p.entries[0] as string] }),
  (rnd, p) => assemble(rnd, p).replace('"ts"', '"t\\u0073"'),
  (rnd, p) => `${assemble(rnd, p)}${pick(rnd, ['x', '}', ',', '0', '\u00a0', '\f'])}`,
  (rnd, p) => {
    const text = assemble(rnd, p)
    return text.slice(0, int(rnd, 0, text.length - 1))
  },
  (rnd, p) => `{"batch":[${assemble(rnd, p)}]}`,
  (rnd, p) => `\ufeff${assemble(rnd, p)}`,
  (rnd, p) => assemble(rnd, { ...p, entries: [] }),
  (rnd, p) => assemble(rnd, p).replace(/}\s*$/, ',"extra":1}'),
  (rnd, p) => assemble(rnd, p).replace('"m"', '"m":null,"x"'),
]

interface Generated {
  kind: DeviceKind
  text: string
  /** The scanner must read it: the device shape, plain numbers, every value accepted. */
  plain: boolean
}

function generate(rnd: Rnd): Generated {
  const kind = pick(rnd, DEVICE_KINDS)
  const specs = KIND_METRICS[kind]
  const names = shuffled(rnd, Object.keys(specs)).slice(0, int(rnd, 1, Object.keys(specs).length))
  const ts = tsText(rnd)
  const seq = seqText(rnd)
  let plain =
    ts.plain && seq.plain && inRange(ts.text, MIN_TS_MS, MAX_TS_MS) && inRange(seq.text, 0, UINT32_MAX)
  const entries = names.map((name) => {
    const spec = specs[name] as MetricSpec
    const value = metricValue(rnd, spec)
    plain &&= value.plain && inRange(value.text, spec.min, spec.max)
    return `${ws(rnd)}"${name}"${ws(rnd)}:${ws(rnd)}${value.text}${ws(rnd)}`
  })
  const parts = { ts: ts.text, seq: seq.text, entries }
  if (rnd() < 0.25) return { kind, text: pick(rnd, MUTATIONS)(rnd, parts, kind), plain: false }
  return { kind, text: assemble(rnd, parts), plain }
}

function inRange(text: string, min: number, max: number): boolean {
  const value = Number(text)
  return value >= min && value <= max
}

describe('the reading scanner', () => {
  it('gives the same verdict as the general path on 30,000 generated payloads, down to -0', () => {
    const rnd = createRandom(20260701).next
    let scanned = 0
    let plain = 0
    for (let i = 0; i < 30_000; i++) {
      const { kind, text, plain: mustScan } = generate(rnd)
      const general = validateTelemetry(kind, text)
      expectSameVerdict(validateTelemetry(kind, bytes(text)), general, text)
      const reading = scan(kind, bytes(text))
      if (mustScan) {
        plain++
        expect(reading, text).toBeDefined()
      }
      if (reading) {
        scanned++
        expect(general.ok, text).toBe(true)
        if (general.ok) expectSameReading(reading, general.readings[0] as Reading, text)
      }
    }
    // both paths are exercised
    expect(scanned).toBeGreaterThanOrEqual(plain)
    expect(plain).toBeGreaterThan(5_000)
    expect(plain).toBeLessThan(25_000)
  })

  it('rounds 15-digit decimals exactly as JSON.parse does', () => {
    const rnd = createRandom(7).next
    for (let i = 0; i < 20_000; i++) {
      const whole = String(int(rnd, 0, 99))
      const text = `${whole}.${digits(rnd, 15 - whole.length)}`
      const reading = scan('reservoir', bytes(withMetrics(`"water_level_m":${text}`)))
      expect(reading?.m.water_level_m, text).toBe(JSON.parse(text))
    }
  })

  it('reads the device payload, whitespace anywhere JSON allows it, and keeps -0', () => {
    expect(scan('paddy', bytes(PLAIN))).toStrictEqual({
      ts: TS,
      seq: 1,
      m: { water_depth_cm: 7.5, water_temp_c: 21.3, battery_v: 3.61, rssi_dbm: -71 },
    })
    const spaced = ` \r\n{ "ts" :\t${TS} , "seq":0,\n"m" : { "rssi_dbm" : -0 , "water_temp_c":-0.0 } }\n `
    const reading = scan('paddy', bytes(spaced))
    expect(Object.is(reading?.m.rssi_dbm, -0) && Object.is(reading?.m.water_temp_c, -0)).toBe(true)
    expect(Object.keys(reading?.m ?? {})).toEqual(['rssi_dbm', 'water_temp_c'])
  })

  it('reads only the bytes of a view, not the buffer around it', () => {
    const around = bytes(`{"x":1}${PLAIN}trailing`)
    const view = new Uint8Array(around.buffer, around.byteOffset + 7, PLAIN.length)
    expect(scan('paddy', view)).toStrictEqual(scan('paddy', bytes(PLAIN)))
  })

  it.each([
    ['keys in another order', `{"seq":1,"ts":${TS},"m":{"battery_v":3.6}}`],
    ['an escaped metric name', withMetrics('"water_depth\\u005fcm":7.5')],
    ['an escaped key', `{"t\\u0073":${TS},"seq":1,"m":{"battery_v":3.6}}`],
    ['a metric this kind does not declare', withMetrics('"battery_v":3.6,"foo_cm":1')],
    ["another kind's metric", withMetrics('"rail_temp_c":20')],
    ['a repeated metric', withMetrics('"battery_v":3.6,"battery_v":3.7')],
    ['an exponent', withMetrics('"water_depth_cm":75e-1')],
    ['an upper-case exponent', withMetrics('"water_depth_cm":7.5E0')],
    ['16 significant digits', withMetrics('"water_depth_cm":1.234567890123456')],
    ['23 fraction digits', withMetrics(`"water_depth_cm":0.${'0'.repeat(22)}1`)],
    ['a leading zero', withMetrics('"water_depth_cm":07.5')],
    ['a dot without digits', withMetrics('"water_depth_cm":7.')],
    ['a string value', withMetrics('"water_depth_cm":"7.5"')],
    ['a null value', withMetrics('"water_depth_cm":null')],
    ['no metrics', withMetrics('')],
    ['a trailing comma', withMetrics('"battery_v":3.6,')],
    ['a decimal ts', `{"ts":${TS}.0,"seq":1,"m":{"battery_v":3.6}}`],
    ['a decimal seq', `{"ts":${TS},"seq":1.0,"m":{"battery_v":3.6}}`],
    ['an RFC 3339 ts', '{"ts":"2026-07-01T09:00:00+09:00","seq":1,"m":{"battery_v":3.6}}'],
    ['a ts before 2000', `{"ts":${MIN_TS_MS - 1},"seq":1,"m":{"battery_v":3.6}}`],
    ['a ts after 2100', `{"ts":${MAX_TS_MS + 1},"seq":1,"m":{"battery_v":3.6}}`],
    ['a seq past uint32', `{"ts":${TS},"seq":${UINT32_MAX + 1},"m":{"battery_v":3.6}}`],
    ['a negative seq', `{"ts":${TS},"seq":-1,"m":{"battery_v":3.6}}`],
    ['a value above its sensor range', withMetrics('"water_depth_cm":100.1')],
    ['a value below its sensor range', withMetrics('"battery_v":3.6,"rssi_dbm":-150.5')],
    ['an extra key', `{"ts":${TS},"seq":1,"m":{"battery_v":3.6},"x":1}`],
    ['a batch', `{"batch":[${PLAIN}]}`],
    ['a leading BOM', `\ufeff${PLAIN}`],
    ['trailing garbage', `${PLAIN}x`],
    ['a second closing brace', `${PLAIN}}`],
    ['a form feed, which JSON does not count as whitespace', `${PLAIN}\f`],
    ['a truncated payload', PLAIN.slice(0, -1)],
    ['nothing', ''],
  ])('leaves %s to the general path', (_, text) => {
    expect(scan('paddy', bytes(text))).toBeUndefined()
    // and the general path then decides as it always did
    expectSameVerdict(validateTelemetry('paddy', bytes(text)), validateTelemetry('paddy', text), text)
  })

  it("reads the load generator's payloads for every kind", () => {
    for (const kind of DEVICE_KINDS) {
      const model = createModel(kind, { seed: 1 })
      for (let k = 0; k < 8; k++) {
        const template = publishTemplate(`v1/devices/${kind}-01/telemetry`, model.step(TS + k * 600_000), 1)
        const packet = Buffer.alloc(template.length)
        writeFromTemplate(template, packet, 0, 1, TS + k, k * 7919)
        // the payload is the end of the packet, from the `{"ts":` before the patched digits
        const payload = packet.subarray(template.tsOffset - '{"ts":'.length)
        const text = payload.toString('utf8')
        const reading = scan(kind, payload)
        expect(reading, text).toBeDefined()
        expectSameVerdict(validateTelemetry(kind, payload), validateTelemetry(kind, text), text)
      }
    }
  })
})
