import { describe, expect, it } from 'vitest'
import { jst, run } from '../testing/model-runs.js'
import { DEMO_ASSUMED_THRESHOLDS } from './demo-profiles.js'
import { createReservoirModel, DEFAULT_RESERVOIR_SHAPE } from './reservoir.js'

const HOUR = 3_600_000
const { warningAboveM } = DEMO_ASSUMED_THRESHOLDS.reservoir
const { crestM: crest, managedLevelM } = DEFAULT_RESERVOIR_SHAPE

describe('reservoir demo model', () => {
  it('rises under rain past the warning level within three minutes and falls back below it', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const start = jst(9, 1, 9)
      const readings = run(createReservoirModel({ seed, demo: true, start }), start, start + 6 * 60_000, 2000)
      const levels = readings.map((r) => r.m.water_level_m ?? Number.NaN)
      const up = levels.findIndex((l) => l > warningAboveM)
      expect(levels[0]).toBeLessThan(warningAboveM - 0.3)
      expect(up * 2).toBeLessThan(180)
      expect(readings.slice(0, up).some((r) => (r.m.rain_mm_h ?? 0) > 10)).toBe(true)
      expect(levels.findIndex((l, i) => i > up && l < warningAboveM)).toBeGreaterThan(up)
    }
  })

  it('crosses the warning level once per cycle', () => {
    const start = jst(9, 1, 9)
    const levels = run(
      createReservoirModel({ seed: 3, demo: true, start }),
      start,
      start + 18 * 60_000,
      2000,
    ).map((r) => r.m.water_level_m ?? Number.NaN)
    const crossings = levels.filter(
      (l, i) => i > 0 && l > warningAboveM && (levels[i - 1] ?? 0) <= warningAboveM,
    )
    expect(crossings.length).toBe(3)
  })
})

describe('reservoir model', () => {
  it('rises fast in a storm, and the spillway caps the rise a little above the crest', () => {
    const start = jst(9, 1)
    const storm = (t: number) => (t >= start + HOUR && t < start + 7 * HOUR ? 80 : 0)
    const model = createReservoirModel({ seed: 1, start, initialLevelM: crest - 0.3, rain: storm })
    const readings = run(model, start, start + 24 * HOUR, 600_000)
    const levels = readings.map((r) => r.m.water_level_m ?? 0)
    const peak = Math.max(...levels)
    expect(peak).toBeGreaterThan(crest + 0.2)
    expect(peak).toBeLessThan(crest + 1)
    expect(readings.find((r) => r.t === start + 2 * HOUR)?.m.rain_mm_h).toBe(80)
    // A day later the spillway has taken the level back to about the crest.
    expect(levels.at(-1)).toBeLessThan(crest + 0.1)
  })

  it('draws down during dry summer weather for irrigation', () => {
    const start = jst(7, 20)
    const model = createReservoirModel({ seed: 1, start, rain: () => 0 })
    const readings = run(model, start, start + 10 * 24 * HOUR, HOUR)
    expect(readings[0]?.m.water_level_m).toBeCloseTo(managedLevelM, 1)
    const drop = managedLevelM - (readings.at(-1)?.m.water_level_m ?? managedLevelM)
    expect(drop).toBeGreaterThan(0.3)
    expect(drop).toBeLessThan(1)
  })

  it('is lifted past the warning level by a heavy storm, then the valve brings it back to the managed level', () => {
    const start = jst(9, 1)
    const storm = (t: number) => (t >= start + HOUR && t < start + 4 * HOUR ? 30 : 0)
    const readings = run(
      createReservoirModel({ seed: 1, start, rain: storm }),
      start,
      start + 72 * HOUR,
      600_000,
    )
    const levels = readings.map((r) => r.m.water_level_m ?? 0)
    expect(Math.max(...levels)).toBeGreaterThan(warningAboveM)
    expect(Math.max(...levels)).toBeLessThan(crest)
    expect(Math.abs((levels.at(-1) ?? 0) - managedLevelM)).toBeLessThan(0.2)
  })

  it('stays at its managed level under light rain', () => {
    const start = jst(11, 1)
    const readings = run(
      createReservoirModel({ seed: 1, start, rain: () => 2 }),
      start,
      start + 48 * HOUR,
      600_000,
    )
    for (const r of readings) expect(r.m.water_level_m).toBeLessThan(warningAboveM - 0.3)
  })

  it('reports the rain it is driven by', () => {
    const start = jst(6, 15)
    const readings = run(createReservoirModel({ seed: 2, start }), start, start + 60 * 24 * HOUR, 600_000)
    const rainy = readings.filter((r) => (r.m.rain_mm_h ?? 0) > 0).length
    expect(rainy / readings.length).toBeGreaterThan(0.02)
    expect(rainy / readings.length).toBeLessThan(0.4)
  })
})
