import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_TELEMETRY_BYTES, validateTelemetry } from '../../firmware-contracts/index.js'
import { matchExpected } from '../commands/scenarios.js'
import { paddyStage } from '../models/index.js'
import { ASSUMED_ALERT_RULES, thresholdCrossings } from './alert-lines.js'
import { builtinScenarioNames, builtinScenarios, resolveScenario } from './library.js'
import type { Scenario } from './schema.js'
import { scenarioReadings, type TelemetryEvent, type TimelineEvent } from './timeline.js'

const H = 3_600_000

function telemetryOf(events: TimelineEvent[], deviceId: string): TelemetryEvent[] {
  return events.filter((e): e is TelemetryEvent => e.type === 'telemetry' && e.deviceId === deviceId)
}

/** [measured at, value] of one metric of one device, in measurement order. */
function series(events: TimelineEvent[], deviceId: string, metric: string): Array<[number, number]> {
  return telemetryOf(events, deviceId)
    .flatMap((e) =>
      e.readings.map((r, i) => [e.measured[i] as number, r.m[metric] as number] as [number, number]),
    )
    .sort((a, b) => a[0] - b[0])
}

function firstAbove(points: Array<[number, number]>, line: number): number | undefined {
  return points.find(([, v]) => v > line)?.[0]
}

describe('built-in scenarios', () => {
  it('ship the five scenarios of the issue, all valid', () => {
    expect(builtinScenarioNames()).toEqual([
      'night-uplink-outage',
      'paddy-season',
      'rail-heatwave',
      'sensor-faults',
      'typhoon-reservoir',
    ])
    for (const s of builtinScenarios()) {
      expect(s.description.ja.length).toBeGreaterThan(20)
      expect(s.expectedAlerts.length).toBeGreaterThan(0)
    }
  })

  it('assume the default alert rules as shipped in ingest/alerts/default-rules.json', () => {
    const file = new URL('../../ingest/alerts/default-rules.json', import.meta.url)
    const shipped = (JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>)
      .filter((r) => r.enabled)
      .map(({ id, kind, metric, op, threshold, clear, severity }) => ({
        id,
        kind,
        metric,
        op,
        threshold,
        clear,
        severity,
      }))
    expect([...ASSUMED_ALERT_RULES]).toEqual(shipped)
  })

  describe.each(builtinScenarioNames())('%s', (name) => {
    const scenario = resolveScenario(name)
    const events = [...scenarioReadings(scenario)]

    it('raises exactly its expected threshold alerts, each inside its window', () => {
      const { matched, unexpected } = matchExpected(scenario, thresholdCrossings(events))
      for (const m of matched) expect(m.crossing, `${m.alert.device} ${m.alert.rule}`).toBeDefined()
      expect(unexpected).toEqual([])
    })

    it('states planned-rule alerts only where a fault makes them true', () => {
      const planned = scenario.expectedAlerts.filter((a) => !ASSUMED_ALERT_RULES.some((r) => r.id === a.rule))
      for (const a of planned) {
        const fault = scenario.faults.find(
          (f) => f.device === a.device && f.from <= a.before && f.to >= a.after,
        )
        expect(fault, `${a.device} ${a.rule}`).toBeDefined()
      }
    })

    it('publishes only payloads ingest accepts, apart from the malformed ones it means to', () => {
      for (const e of events) {
        if (e.type !== 'telemetry') continue
        const verdict = validateTelemetry(e.kind, e.payload)
        if (e.malformed) expect(verdict.ok).toBe(false)
        else {
          expect(verdict.ok && verdict.rejectedMetrics).toEqual([])
          expect(Buffer.byteLength(e.payload)).toBeLessThan(DEFAULT_MAX_TELEMETRY_BYTES)
        }
      }
    })

    it('is deterministic and in publishing order', () => {
      const again = [...scenarioReadings(scenario)]
      expect(again.map((e) => (e.type === 'telemetry' ? e.payload : e.at))).toEqual(
        events.map((e) => (e.type === 'telemetry' ? e.payload : e.at)),
      )
      expect(events.every((e, i) => i === 0 || e.at >= (events[i - 1] as TimelineEvent).at)).toBe(true)
    })
  })
})

describe('what the scenarios show', () => {
  const load = (name: string): [Scenario, TimelineEvent[]] => {
    const s = resolveScenario(name)
    return [s, [...scenarioReadings(s)]]
  }

  it('typhoon: the managed reservoir crosses 9.0 m in the window and stays under the spill cap; the drawn-down one stays below', () => {
    const [s, events] = load('typhoon-reservoir')
    const level = series(events, 'r-typhoon', 'water_level_m')
    const crossed = firstAbove(level, 9.0) as number
    expect(crossed - s.start).toBeGreaterThanOrEqual(12 * H)
    expect(crossed - s.start).toBeLessThanOrEqual(24 * H)
    expect(Math.max(...level.map(([, v]) => v))).toBeLessThan(10)
    expect(Math.max(...series(events, 'r-prereleased', 'water_level_m').map(([, v]) => v))).toBeLessThan(8.8)
    const images = events.filter((e) => e.type === 'image')
    expect(images.length).toBe(97)
    expect(images.every((e) => e.deviceId === 'r-typhoon')).toBe(true)
  })

  it('heatwave: the deck passes 50 °C every day and 60 °C on day three only; the tunnel stays cool', () => {
    const [s, events] = load('rail-heatwave')
    const deck = series(events, 'rail-deck', 'rail_temp_c')
    const dayMax = (points: Array<[number, number]>, day: number) =>
      Math.max(
        ...points
          .filter(([t]) => t - s.start >= day * 24 * H && t - s.start < (day + 1) * 24 * H)
          .map(([, v]) => v),
      )
    expect([0, 1, 2].map((d) => dayMax(deck, d) > 50)).toEqual([true, true, true])
    expect([0, 1, 2].map((d) => dayMax(deck, d) > 60)).toEqual([false, false, true])
    expect(Math.max(...series(events, 'rail-tunnel', 'rail_temp_c').map(([, v]) => v))).toBeLessThan(30)
  })

  it('paddy season: below 3 cm only during the drainage stages, above 15 cm only in the August downpour', () => {
    const [s, events] = load('paddy-season')
    const depth = series(events, 'p-season', 'water_depth_cm')
    // Refilling after the mid-season drainage takes some hours of the first heading day.
    const drained = (t: number) =>
      paddyStage(t).stage.endsWith('drainage') || paddyStage(t - 24 * H).stage.endsWith('drainage')
    const shallow = depth.filter(([, v]) => v < 3)
    expect(shallow.filter(([t]) => !drained(t))).toEqual([])
    expect(new Set(shallow.map(([t]) => paddyStage(t).stage))).toContain('final_drainage')
    const midseason = depth.filter(([t]) => paddyStage(t).stage === 'midseason_drainage')
    expect(midseason.filter(([, v]) => v < 3).length / midseason.length).toBeGreaterThan(0.9)
    const deep = depth.filter(([, v]) => v > 15)
    expect(deep.length).toBeGreaterThan(0)
    for (const [t] of deep) expect((t - s.start) / H).toBeGreaterThan(103 * 24)
    for (const [t] of deep) expect((t - s.start) / H).toBeLessThan(103 * 24 + 12)
  })

  it('night outage: nothing arrives 22:00–04:00, then batches carry the night with its own ts', () => {
    const [s, events] = load('night-uplink-outage')
    const live = events.filter((e) => e.type !== 'skip' && !(e.type === 'telemetry' && e.batch))
    expect(live.some((e) => e.at - s.start >= 4 * H && e.at - s.start < 10 * H)).toBe(false)
    const batches = events.filter((e): e is TelemetryEvent => e.type === 'telemetry' && e.batch)
    expect(batches.map((b) => b.deviceId).sort()).toEqual(['p-night', 'r-night', 'rail-night'])
    for (const b of batches) {
      expect(b.at - s.start).toBe(10 * H)
      expect(b.readings).toHaveLength(72)
      expect(b.readings[0]?.ts).toBe(s.start + 4 * H)
    }
  })
})
