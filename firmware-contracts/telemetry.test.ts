import { describe, expect, it } from 'vitest'
import { DEVICE_KINDS, TELEMETRY_VECTORS, validateTelemetry } from './index.js'
import { MAX_TS_MS, MIN_TS_MS } from './timestamp.js'

/** A tiny deterministic generator (mulberry32), so a failure names a reproducible seed. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T
/** Mostly a good value (so whole payloads pass often enough), sometimes one just past a boundary. */
const either = <T>(rnd: () => number, good: readonly T[], bad: readonly T[]): T =>
  rnd() < 0.9 ? pick(rnd, good) : pick(rnd, bad)

const TS = {
  good: [MIN_TS_MS, MAX_TS_MS, 1782864000000, '2026-07-01T09:00:00+09:00'],
  bad: [MIN_TS_MS - 1, MAX_TS_MS + 1, 1782864000000.5, -1, '2026-07-01', null, true, [], {}],
}
const SEQ = {
  good: [0, 1, 4_294_967_295, -0],
  bad: [-1, 4_294_967_296, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 2],
}
const NAMES = {
  good: ['water_depth_cm', 'battery_v', 'rail_temp_c', 'x', 'a'.repeat(64)],
  bad: ['Bad', '_x', '1a', 'a'.repeat(65), '__proto__', 'constructor', 'a-b', ''],
}
const VALUES: { good: unknown[]; bad: unknown[] } = {
  good: [8.4, 0, -5, 1e308, 9999],
  bad: ['8', null, true, [1], { v: 1 }],
}

function metrics(rnd: () => number): unknown {
  const shape = rnd()
  if (shape < 0.05) return []
  if (shape < 0.1) return null
  if (shape < 0.15) return 'm'
  const n = shape < 0.2 ? 0 : shape > 0.97 ? 33 : 1 + Math.floor(rnd() * 4)
  const m: Record<string, unknown> = {}
  for (let i = 0; i < n; i++)
    m[n > 30 ? `m${i}` : either(rnd, NAMES.good, NAMES.bad)] = either(rnd, VALUES.good, VALUES.bad)
  return m
}

function reading(rnd: () => number): unknown {
  const r: Record<string, unknown> = {
    ts: either(rnd, TS.good, TS.bad),
    seq: either(rnd, SEQ.good, SEQ.bad),
    m: metrics(rnd),
  }
  const mutate = rnd()
  if (mutate < 0.05) delete r.ts
  else if (mutate < 0.1) delete r.seq
  else if (mutate < 0.15) r.extra = 1
  else if (mutate < 0.2) delete r.m
  return r
}

function payload(rnd: () => number): string {
  const shape = rnd()
  if (shape < 0.6) return JSON.stringify(reading(rnd))
  if (shape < 0.65) return JSON.stringify({ batch: [] })
  if (shape < 0.7) return JSON.stringify({ batch: [reading(rnd)], extra: 1 })
  if (shape < 0.72) return JSON.stringify([reading(rnd)])
  const n = 1 + Math.floor(rnd() * 3)
  return JSON.stringify({ batch: Array.from({ length: n }, () => reading(rnd)) })
}

describe('validateTelemetry fast path', () => {
  it('agrees with the zod-only path on every vector', () => {
    for (const vector of TELEMETRY_VECTORS) {
      expect(validateTelemetry(vector.kind, vector.payload), vector.name).toEqual(
        validateTelemetry(vector.kind, vector.payload, { zodOnly: true }),
      )
    }
  })

  it('agrees with the zod-only path on 20,000 generated payloads around every boundary', () => {
    const rnd = random(20261126)
    let accepted = 0
    for (let i = 0; i < 20_000; i++) {
      const kind = pick(rnd, DEVICE_KINDS)
      const text = payload(rnd)
      const fast = validateTelemetry(kind, text)
      expect(fast, text).toEqual(validateTelemetry(kind, text, { zodOnly: true }))
      if (fast.ok) accepted++
    }
    // both branches are exercised, not just refusals
    expect(accepted).toBeGreaterThan(1000)
    expect(accepted).toBeLessThan(19_000)
  })

  it('reads a Uint8Array view without copying the bytes wrongly', () => {
    const bytes = Buffer.from(`xx{"ts":${MIN_TS_MS},"seq":3,"m":{"battery_v":3.6}}yy`)
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.length - 4)
    const verdict = validateTelemetry('paddy', view)
    expect(verdict.ok && verdict.readings).toEqual([{ ts: MIN_TS_MS, seq: 3, m: { battery_v: 3.6 } }])
  })
})
