import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_TELEMETRY_BYTES, validateTelemetry } from '../../firmware-contracts/index.js'
import { createRandom } from '../random.js'
import { createFaultChain, malformedPayload } from './faults.js'
import { parseScenario, type ScenarioInput } from './schema.js'
import { scenarioReadings, type TelemetryEvent, type TimelineEvent } from './timeline.js'

const H = 3_600_000

/** A one-device paddy scenario (no rain) with the given faults, 12 h at 10-minute readings. */
function paddyWith(faults: ScenarioInput['faults'], extra: Partial<ScenarioInput> = {}) {
  return parseScenario(
    {
      name: 'faults',
      description: { ja: 'テスト', en: 'test' },
      start: '2026-06-10T00:00',
      duration: '12h',
      timeScale: 60,
      interval: '10m',
      forcing: { rainMmH: [['0h', 0]] },
      devices: [{ id: 'p-01', kind: 'paddy' }],
      faults,
      ...extra,
    },
    'test',
  )
}

function timeline(s: ReturnType<typeof paddyWith>) {
  const events = [...scenarioReadings(s)]
  const telemetry = events.filter((e): e is TelemetryEvent => e.type === 'telemetry')
  const offsetOf = (e: TimelineEvent) => e.at - s.start
  return { events, telemetry, offsetOf }
}

describe('fault transforms', () => {
  it('stuck: the value freezes at its reading when the fault begins, the truth moves on', () => {
    const s = paddyWith([{ device: 'p-01', type: 'stuck', from: '2h', to: '8h', metrics: ['water_temp_c'] }])
    const { telemetry, offsetOf } = timeline(s)
    const inside = telemetry.filter((e) => offsetOf(e) >= 2 * H && offsetOf(e) < 8 * H)
    const frozen = inside.map((e) => e.readings[0]?.m.water_temp_c)
    expect(new Set(frozen).size).toBe(1)
    expect(new Set(inside.map((e) => e.truth?.water_temp_c)).size).toBeGreaterThan(5)
    expect(inside.every((e) => e.faults.includes('stuck'))).toBe(true)
    const after = telemetry.filter((e) => offsetOf(e) >= 8 * H)
    expect(after.every((e) => e.readings[0]?.m.water_temp_c === e.truth?.water_temp_c)).toBe(true)
  })

  it('drift: the reading moves away from the truth by perHour for each hour of the fault', () => {
    const s = paddyWith([{ device: 'p-01', type: 'drift', from: '1h', to: '7h', perHour: 2 }])
    for (const e of timeline(s).telemetry) {
      const hours = (e.at - s.start) / H
      const expected = hours >= 1 && hours < 7 ? 2 * (hours - 1) : 0
      const reported = e.readings[0]?.m.water_depth_cm ?? Number.NaN
      expect(reported - (e.truth?.water_depth_cm ?? 0)).toBeCloseTo(expected, 1)
    }
  })

  it('spikes: some readings jump by the magnitude, clamped to the sensor range', () => {
    const s = paddyWith([
      {
        device: 'p-01',
        type: 'spikes',
        from: '0h',
        to: '12h',
        probability: 0.3,
        magnitude: 200,
        direction: 'up',
      },
    ])
    const jumps = timeline(s).telemetry.filter((e) => e.faults.includes('spikes'))
    expect(jumps.length).toBeGreaterThan(5)
    expect(jumps.length).toBeLessThan(40)
    for (const e of jumps) expect(e.readings[0]?.m.water_depth_cm).toBe(100)
  })

  it('dropout: readings are measured but not sent, so seq shows the gap', () => {
    const s = paddyWith([{ device: 'p-01', type: 'dropout', from: '3h', to: '5h' }])
    const { events, telemetry, offsetOf } = timeline(s)
    expect(telemetry.some((e) => offsetOf(e) >= 3 * H && offsetOf(e) < 5 * H)).toBe(false)
    const skips = events.filter((e) => e.type === 'skip')
    expect(skips).toHaveLength(12)
    expect(skips.every((e) => e.type === 'skip' && e.reason === 'dropout')).toBe(true)
    const seqs = telemetry.map((e) => e.readings[0]?.seq)
    expect(seqs[17]).toBe(17)
    expect(seqs[18]).toBe(30)
  })

  it('battery drain: battery_v falls fast and the logger browns out below the cutoff', () => {
    const s = paddyWith([
      { device: 'p-01', type: 'battery-drain', from: '2h', to: '13h', vPerHour: 0.1, cutoffV: 3.2 },
    ])
    const { events, telemetry, offsetOf } = timeline(s)
    const volts = telemetry.filter((e) => offsetOf(e) >= 2 * H).map((e) => e.readings[0]?.m.battery_v ?? 0)
    expect(volts[0]).toBeCloseTo(3.65, 1)
    expect(volts.at(-1)).toBeLessThan(3.25)
    expect(volts.every((v, i) => i === 0 || v <= (volts[i - 1] as number) + 0.01)).toBe(true)
    const brownOut = events.filter((e) => e.type === 'skip' && e.reason === 'battery-cutoff')
    expect(brownOut.length).toBeGreaterThan(10)
    expect(offsetOf(brownOut[0] as TimelineEvent)).toBeGreaterThan(6 * H)
  })

  it('clock skew: ts is off by the skew, the reading is still measured on time', () => {
    const s = paddyWith([{ device: 'p-01', type: 'clock-skew', from: '0h', to: '6h', skew: '-9h' }])
    for (const e of timeline(s).telemetry) {
      const skewed = e.at - s.start < 6 * H
      expect(e.readings[0]?.ts).toBe(e.at + (skewed ? -9 * H : 0))
      expect(e.measured[0]).toBe(e.at)
    }
  })

  it('duplicate: the same payload (same seq and ts) goes out twice', () => {
    const s = paddyWith([{ device: 'p-01', type: 'duplicate', from: '0h', to: '13h', probability: 1 }])
    const { telemetry } = timeline(s)
    expect(telemetry).toHaveLength(146)
    for (let i = 0; i < telemetry.length; i += 2) {
      expect(telemetry[i + 1]?.payload).toBe(telemetry[i]?.payload)
      expect(telemetry[i + 1]?.duplicate).toBe(true)
      expect(telemetry[i]?.duplicate).toBe(false)
    }
  })

  it('malformed: the payload breaks, and ingest refuses it for the reason the fault names', () => {
    const s = paddyWith([{ device: 'p-01', type: 'malformed', from: '0h', to: '12h', probability: 0.5 }])
    const broken = timeline(s).telemetry.filter((e) => e.malformed)
    expect(broken.length).toBeGreaterThan(20)
    for (const e of broken) {
      const verdict = validateTelemetry('paddy', e.payload)
      expect(verdict.ok).toBe(false)
      if (!verdict.ok) expect(verdict.reason).toBe(e.malformed?.expectedReason)
      expect(e.readings).toEqual([])
    }
    expect(new Set(broken.map((e) => e.malformed?.variant)).size).toBeGreaterThanOrEqual(5)
  })

  it('every malformed variant is refused with its stated reason', () => {
    const random = createRandom(3)
    const seen = new Map<string, string>()
    for (let i = 0; i < 200; i++) {
      const bad = malformedPayload(
        { ts: 1_782_864_000_000, seq: i, m: { rail_temp_c: 41.2, battery_v: 3.6 } },
        random,
      )
      const verdict = validateTelemetry('rail', bad.payload)
      expect(verdict.ok ? 'accepted' : verdict.reason).toBe(bad.expectedReason)
      seen.set(bad.variant, bad.expectedReason)
    }
    expect(seen.size).toBe(7)
  })

  it('outage with backfill: nothing during the window, then batches with the original ts', () => {
    const s = paddyWith([{ device: 'p-01', type: 'outage', from: '4h', to: '10h', backfill: true }])
    const { telemetry, offsetOf } = timeline(s)
    expect(telemetry.some((e) => offsetOf(e) >= 4 * H && offsetOf(e) < 10 * H)).toBe(false)
    const batches = telemetry.filter((e) => e.batch)
    expect(batches).toHaveLength(1)
    const batch = batches[0] as TelemetryEvent
    expect(offsetOf(batch)).toBe(10 * H)
    expect(batch.readings).toHaveLength(36)
    expect(batch.readings.map((r) => r.ts)).toEqual(batch.measured)
    expect(batch.payload.length).toBeLessThan(DEFAULT_MAX_TELEMETRY_BYTES)
    const verdict = validateTelemetry('paddy', batch.payload)
    expect(verdict.ok && verdict.batch && verdict.readings.length).toBe(36)
    const seqs = telemetry.flatMap((e) => e.readings.map((r) => r.seq)).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: 73 }, (_, i) => i))
  })

  it('outage without backfill: the readings are lost', () => {
    const s = paddyWith([{ device: 'p-01', type: 'outage', from: '4h', to: '10h', backfill: false }])
    const { events } = timeline(s)
    expect(events.filter((e) => e.type === 'skip' && e.reason === 'outage')).toHaveLength(36)
    expect(events.some((e) => e.type === 'telemetry' && e.batch)).toBe(false)
  })

  it('splits a long backfill into batches under the telemetry size limit', () => {
    const s = paddyWith([{ device: 'p-01', type: 'outage', from: '0h', to: '13h' }], {
      duration: '3d',
      interval: '1m',
    })
    const batches = timeline(s).telemetry.filter((e) => e.batch)
    expect(batches.length).toBeGreaterThan(5)
    for (const b of batches) expect(Buffer.byteLength(b.payload)).toBeLessThan(DEFAULT_MAX_TELEMETRY_BYTES)
    expect(batches.reduce((n, b) => n + b.readings.length, 0)).toBe(13 * 60)
  })

  it('applies several faults of one device in file order', () => {
    const chain = createFaultChain(
      'paddy',
      [
        { device: 'p', type: 'drift', from: 0, to: 10 * H, perHour: 1, metrics: undefined },
        { device: 'p', type: 'stuck', from: 2 * H, to: 10 * H, metrics: undefined },
      ],
      createRandom(1),
    )
    expect(chain.apply(H, { water_depth_cm: 5 }).m.water_depth_cm).toBe(6)
    expect(chain.apply(2 * H, { water_depth_cm: 5 }).m.water_depth_cm).toBe(7)
    const later = chain.apply(5 * H, { water_depth_cm: 5 })
    expect(later.m.water_depth_cm).toBe(7)
    expect(later.applied).toEqual(['drift', 'stuck'])
  })
})
