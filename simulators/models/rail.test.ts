import { describe, expect, it } from 'vitest'
import { jst, run } from '../testing/model-runs.js'
import { DEMO_ASSUMED_THRESHOLDS } from './demo-profiles.js'
import { createRailModel } from './rail.js'

const DAY = 86_400_000

describe('rail demo model', () => {
  it('climbs from about 44 °C past 52 °C within 20 steps of 2 s', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const start = jst(8, 1, 14)
      const temps = run(createRailModel({ seed, demo: true, start }), start, start + 19 * 2000, 2000).map(
        (r) => r.m.rail_temp_c ?? Number.NaN,
      )
      expect(temps[0]).toBeGreaterThan(43)
      expect(temps[0]).toBeLessThan(45.5)
      expect(Math.max(...temps)).toBeGreaterThan(52)
    }
  })

  it('cools below 47 °C and crosses the watch line again in the next cycle', () => {
    const start = jst(8, 1, 14)
    const readings = run(createRailModel({ seed: 9, demo: true, start }), start, start + 10 * 60_000, 2000)
    const temps = readings.map((r) => r.m.rail_temp_c ?? Number.NaN)
    const firstCool = temps.findIndex((t, i) => i > 10 && t < 47)
    expect(firstCool).toBeGreaterThan(0)
    expect(firstCool * 2).toBeLessThan(180)
    const again = temps.findIndex((t, i) => i > firstCool && t > 52)
    expect(again).toBeGreaterThan(firstCool)
    expect(again * 2).toBeLessThan(300)
  })

  it('crosses the default watch line with room to spare and clears it fully', () => {
    const { watchAboveC, clearBelowC } = DEMO_ASSUMED_THRESHOLDS.rail
    const start = jst(8, 1, 14)
    const temps = run(createRailModel({ seed: 3, demo: true, start }), start, start + 240_000, 2000).map(
      (r) => r.m.rail_temp_c ?? Number.NaN,
    )
    expect(Math.max(...temps)).toBeGreaterThan(watchAboveC + 2)
    expect(Math.min(...temps)).toBeLessThan(clearBelowC - 2)
  })

  it('keeps the rail 11–21 °C above a hot afternoon air temperature', () => {
    const start = jst(8, 1, 14)
    for (const r of run(createRailModel({ seed: 3, demo: true, start }), start, start + 240_000, 2000)) {
      const gap = (r.m.rail_temp_c ?? 0) - (r.m.ambient_temp_c ?? 0)
      expect(gap).toBeGreaterThan(9)
      expect(gap).toBeLessThan(23)
    }
  })
})

describe('rail model', () => {
  /** Highest rail-over-air gap of each day, July–August at 10-minute steps. */
  function summerDailyMaxGaps(seed: number, sunExposure?: number): number[] {
    const model = createRailModel({ seed, sunExposure })
    const gaps: number[] = []
    for (let day = jst(7, 1); day < jst(9, 1); day += DAY) {
      const readings = run(model, day, day + DAY - 600_000, 600_000)
      gaps.push(Math.max(...readings.map((r) => (r.m.rail_temp_c ?? 0) - (r.m.ambient_temp_c ?? 0))))
    }
    return gaps
  }

  it('runs 10–20 °C above the air on sunny summer afternoons', () => {
    for (const seed of [1, 2, 3]) {
      const gaps = summerDailyMaxGaps(seed).sort((a, b) => a - b)
      const median = gaps[Math.floor(gaps.length / 2)] ?? 0
      expect(median).toBeGreaterThan(8)
      expect(gaps.at(-1)).toBeGreaterThan(12)
      expect(gaps.at(-1)).toBeLessThan(21)
    }
  })

  it('peaks in the early afternoon, not at night', () => {
    const model = createRailModel({ seed: 4 })
    run(model, jst(7, 20), jst(7, 25), 600_000)
    const day = run(model, jst(7, 25, 0, 10), jst(7, 26), 600_000)
    const hottest = day.reduce((a, b) => ((b.m.rail_temp_c ?? 0) > (a.m.rail_temp_c ?? 0) ? b : a))
    const hourJst = (new Date(hottest.t).getUTCHours() + 9) % 24
    expect(hourJst).toBeGreaterThanOrEqual(11)
    expect(hourJst).toBeLessThanOrEqual(16)
  })

  it('stays close to the air in a tunnel', () => {
    const gaps = summerDailyMaxGaps(1, 0)
    expect(Math.max(...gaps)).toBeLessThan(3)
  })

  it('is colder in winter than in summer', () => {
    const mean = (from: number) => {
      const readings = run(createRailModel({ seed: 2 }), from, from + 7 * DAY, 3_600_000)
      return readings.reduce((s, r) => s + (r.m.rail_temp_c ?? 0), 0) / readings.length
    }
    expect(mean(jst(8, 1)) - mean(jst(1, 20))).toBeGreaterThan(12)
  })
})
