import { describe, expect, it } from 'vitest'
import { DEVICE_KINDS, KIND_METRICS } from '../../firmware-contracts/index.js'
import { JAN_1_2026_JST, run, violations } from '../testing/model-runs.js'
import { createModel } from './index.js'

const DAY = 86_400_000

describe.each(DEVICE_KINDS)('%s model', (kind) => {
  it('produces exactly the metrics the contract declares for the kind', () => {
    for (const demo of [false, true]) {
      const reading = createModel(kind, { seed: 1, demo }).step(JAN_1_2026_JST)
      expect(Object.keys(reading).sort()).toEqual(Object.keys(KIND_METRICS[kind]).sort())
    }
  })

  it('replays the same values for the same seed and times', () => {
    for (const demo of [false, true]) {
      const a = run(createModel(kind, { seed: 5, demo }), JAN_1_2026_JST, JAN_1_2026_JST + DAY, 600_000)
      const b = run(createModel(kind, { seed: 5, demo }), JAN_1_2026_JST, JAN_1_2026_JST + DAY, 600_000)
      expect(a).toEqual(b)
    }
  })

  it('gives a different series for a different seed', () => {
    const a = run(createModel(kind, { seed: 5 }), JAN_1_2026_JST, JAN_1_2026_JST + DAY, 600_000)
    const b = run(createModel(kind, { seed: 6 }), JAN_1_2026_JST, JAN_1_2026_JST + DAY, 600_000)
    expect(a).not.toEqual(b)
  })

  it('stays inside the sensor ranges over a simulated year at 10-minute steps', () => {
    for (const seed of [1, 2, 3]) {
      const readings = run(createModel(kind, { seed }), JAN_1_2026_JST, JAN_1_2026_JST + 365 * DAY, 600_000)
      expect(violations(kind, readings)).toEqual([])
    }
  })

  it('stays inside the sensor ranges in demo mode over two hours at 2-second steps', () => {
    const start = JAN_1_2026_JST
    const readings = run(
      createModel(kind, { seed: 4, demo: true, start }),
      start,
      start + 2 * 3_600_000,
      2000,
    )
    expect(violations(kind, readings)).toEqual([])
  })

  it('survives a long gap between steps and time running backwards', () => {
    const model = createModel(kind, { seed: 8 })
    const readings = [
      model.step(JAN_1_2026_JST),
      model.step(JAN_1_2026_JST + 40 * DAY),
      model.step(JAN_1_2026_JST + 39 * DAY),
      model.step(JAN_1_2026_JST + 41 * DAY),
    ].map((m) => ({ m }))
    expect(violations(kind, readings)).toEqual([])
  })

  it('drains the battery slowly and keeps the radio noisy', () => {
    const readings = run(createModel(kind, { seed: 2 }), JAN_1_2026_JST, JAN_1_2026_JST + 60 * DAY, 3_600_000)
    const first = readings[0]?.m.battery_v ?? 0
    const last = readings.at(-1)?.m.battery_v ?? 0
    expect(last).toBeLessThan(first)
    expect(first - last).toBeLessThan(0.5)
    const rssi = new Set(readings.map((r) => r.m.rssi_dbm))
    expect(rssi.size).toBeGreaterThan(5)
  })
})
