/**
 * Chaos 5: random and adversarial JSON against the telemetry contract — directly against the
 * firmware-contracts parser, then over MQTT into the whole system. Pass: the parser never throws
 * and its verdicts keep the contract's invariants; over MQTT every bad payload is acknowledged and
 * dead-lettered with the parser's reason, the device stays connected, nothing pollutes prototypes.
 */
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_TELEMETRY_BYTES,
  KIND_METRICS,
  MAX_TS_MS,
  MIN_TS_MS,
  REJECT_REASONS,
  telemetryTopic,
  UINT32_MAX,
  validateTelemetry,
} from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'
import { adversarialPayloads, randomPayloads } from './helpers/payloads.js'
import { reportCase } from './helpers/report.js'

const DIRECT_CASES = Number(process.env.CHAOS_PAYLOAD_CASES ?? 20_000)
const MQTT_CASES = 900
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000)

let sys: TestSystem | undefined
afterAll(async () => sys?.stop())

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join()
const PROTO_BEFORE = protoKeys()
const polluted = () =>
  (({}) as Record<string, unknown>).polluted !== undefined ||
  protoKeys() !== PROTO_BEFORE ||
  (Object.prototype as unknown as Record<string, unknown>).polluted !== undefined

/** Contract invariants of one verdict; returns what is wrong, or undefined. */
function verdictProblem(payload: string): string | undefined {
  let verdict: ReturnType<typeof validateTelemetry>
  try {
    verdict = validateTelemetry('paddy', payload)
  } catch (err) {
    return `threw ${(err as Error).name}: ${(err as Error).message}`
  }
  if (!verdict.ok) {
    if (!(REJECT_REASONS as readonly string[]).includes(verdict.reason))
      return `unknown reason ${verdict.reason}`
    if (typeof verdict.detail !== 'string' || verdict.detail.length === 0) return 'rejected without a detail'
    return undefined
  }
  if (verdict.readings.length === 0) return 'accepted without readings'
  for (const r of verdict.readings) {
    if (!Number.isInteger(r.seq) || r.seq < 0 || r.seq > UINT32_MAX) return `bad seq ${r.seq}`
    if (!Number.isInteger(r.ts) || r.ts < MIN_TS_MS || r.ts > MAX_TS_MS) return `bad ts ${r.ts}`
    if (Object.getPrototypeOf(r.m) !== Object.prototype) return 'metrics object with a foreign prototype'
    for (const [metric, value] of Object.entries(r.m)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `non-finite ${metric}`
      const spec = Object.hasOwn(KIND_METRICS.paddy, metric) ? KIND_METRICS.paddy[metric] : undefined
      if (spec && (value < spec.min || value > spec.max)) return `${metric}=${value} out of range accepted`
    }
  }
  return undefined
}

describe('chaos: payload fuzzing', () => {
  it(`keeps the contract parser's invariants on ${DIRECT_CASES} random and adversarial payloads`, () => {
    const payloads = [...adversarialPayloads(), ...randomPayloads(DIRECT_CASES, SEED)]
    const problems: string[] = []
    const reasons = new Map<string, number>()
    let accepted = 0
    const started = Date.now()
    for (const p of payloads) {
      const problem = verdictProblem(p)
      if (problem) problems.push(`${problem} ← ${p.slice(0, 120)}`)
      const v = validateTelemetry('paddy', p)
      if (v.ok) accepted++
      else reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1)
    }
    const line = reportCase('5a payload fuzzing against the contract parser', {
      cases: payloads.length,
      seed: SEED,
      accepted,
      ...Object.fromEntries([...reasons].map(([r, n]) => [`rejected_${r}`, n])),
      invariantViolations: problems.length,
      crashes: 0,
      prototypePolluted: polluted(),
      ms: Date.now() - started,
    })
    expect(problems.slice(0, 10), line).toEqual([])
    expect(polluted(), line).toBe(false)
    expect(reasons.size).toBeGreaterThanOrEqual(3)
    expect(accepted).toBeGreaterThan(0)
  }, 300_000)

  it('dead-letters every bad payload sent over MQTT with the reason the parser gives', async () => {
    sys = await startTestSystem()
    const system = sys
    const password = await system.provisionDevice('pf-1', 'paddy')
    const device = await mqtt.connectAsync(system.mqttUrl, {
      clientId: 'pf-1',
      username: 'pf-1',
      password,
      reconnectPeriod: 0,
    })
    let closes = 0
    device.on('close', () => closes++)
    const payloads = [...adversarialPayloads(), ...randomPayloads(MQTT_CASES, SEED + 1)].slice(0, MQTT_CASES)
    // what ingest should do with each, by the contract parser: dead letter (with a reason) or not;
    // the broker cuts payloads over the telemetry cap and dead-letters them as `oversize`
    const expected: Array<{ payload: string; reason: string; matched: boolean }> = []
    for (const p of payloads) {
      const v = validateTelemetry('paddy', p)
      const reason =
        Buffer.byteLength(p) > DEFAULT_MAX_TELEMETRY_BYTES
          ? 'oversize'
          : !v.ok
            ? v.reason
            : v.rejectedMetrics.length > 0
              ? 'out_of_range'
              : undefined
      if (reason) expected.push({ payload: p, reason, matched: false })
    }
    let acked = 0
    for (const p of payloads) {
      await device.publishAsync(telemetryTopic('pf-1'), p, { qos: 1 })
      acked++
    }
    const connected = device.connected && closes === 0
    type Letter = { reason: string; detail: string; payload: string }
    const list = async () =>
      (await system.api<{ deadLetters: Letter[] }>('GET', '/dead-letters?limit=1000&device=pf-1')).body
        .deadLetters
    const letters = await eventually(
      async () => {
        const got = await list()
        return got.length >= expected.length && got
      },
      30_000,
      `${expected.length} dead letters`,
    ).catch(list)
    const wrong: string[] = []
    for (const letter of letters) {
      // the dead-letter table keeps the first few KB of a payload
      const match = expected.find(
        (e) =>
          !e.matched &&
          e.reason === letter.reason &&
          (e.payload === letter.payload ||
            (letter.payload.length >= 1024 && e.payload.startsWith(letter.payload))),
      )
      if (!match) wrong.push(`${letter.reason}: ${letter.payload.slice(0, 80)}`)
      else match.matched = true
      if (!letter.detail) wrong.push(`no detail: ${letter.payload.slice(0, 80)}`)
    }
    const missing = expected.filter((e) => !e.matched).map((e) => `${e.reason}: ${e.payload.slice(0, 80)}`)
    const disconnects = closes
    await device.endAsync()
    const line = reportCase('5b payload fuzzing over MQTT into the system', {
      published: payloads.length,
      acked,
      expectedDeadLetters: expected.length,
      deadLetters: letters.length,
      missingDeadLetters: missing.length,
      unexpectedDeadLetters: wrong.length,
      deviceDisconnects: disconnects,
      crashes: 0,
      prototypePolluted: polluted(),
    })
    expect(connected, line).toBe(true)
    expect(acked).toBe(payloads.length)
    expect(missing.slice(0, 10), `${line}\n${wrong.slice(0, 10).join('\n')}`).toEqual([])
    expect(wrong.slice(0, 10), line).toEqual([])
    expect(polluted(), line).toBe(false)
    expect(expected.length).toBeGreaterThan(100)
  }, 300_000)
})
