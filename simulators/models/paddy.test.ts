import { describe, expect, it } from 'vitest'
import { jst, run } from '../testing/model-runs.js'
import { DEMO_ASSUMED_THRESHOLDS } from './demo-profiles.js'
import { createPaddyModel, paddyStage } from './paddy.js'

const DAY = 86_400_000
const { tooShallowBelowCm, tooDeepAboveCm } = DEMO_ASSUMED_THRESHOLDS.paddy

describe('paddy demo model', () => {
  it('hovers between 5 and 10 cm and dips under 3 cm within the first two minutes', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const start = jst(6, 1, 9)
      const readings = run(createPaddyModel({ seed, demo: true, start }), start, start + 120_000, 2000)
      const depths = readings.map((r) => r.m.water_depth_cm ?? Number.NaN)
      expect(depths[0]).toBeGreaterThan(5)
      expect(depths[0]).toBeLessThan(10)
      expect(depths.slice(0, 10).every((d) => d > 5 && d < 10)).toBe(true)
      expect(Math.min(...depths)).toBeLessThan(tooShallowBelowCm)
    }
  })

  it('dips once per cycle, stays under 3 cm for about a minute, and never reads too deep', () => {
    const start = jst(6, 1, 9)
    const depths = run(createPaddyModel({ seed: 7, demo: true, start }), start, start + 9 * 60_000, 2000).map(
      (r) => r.m.water_depth_cm ?? Number.NaN,
    )
    let dips = 0
    let shallowSteps = 0
    for (let i = 1; i < depths.length; i++) {
      if ((depths[i] ?? 0) < tooShallowBelowCm) shallowSteps++
      if ((depths[i] ?? 0) < tooShallowBelowCm && (depths[i - 1] ?? 0) >= tooShallowBelowCm) dips++
    }
    expect(dips).toBe(3)
    expect(shallowSteps * 2).toBeGreaterThan(3 * 45)
    expect(Math.max(...depths)).toBeLessThan(tooDeepAboveCm)
  })
})

describe('paddy model', () => {
  it('keeps water on the field while the crop grows and drains it in winter', () => {
    for (const seed of [1, 2, 3]) {
      const model = createPaddyModel({ seed })
      const year = run(model, jst(1, 1), jst(12, 31), 600_000)
      const inStage = (stage: string) => year.filter((r) => paddyStage(r.t).stage === stage)
      const growing = inStage('growing').map((r) => r.m.water_depth_cm ?? 0)
      expect(growing.filter((d) => d >= 3 && d <= 13).length / growing.length).toBeGreaterThan(0.95)
      const winter = year.filter((r) => r.t < jst(3, 1)).map((r) => r.m.water_depth_cm ?? 0)
      expect(winter.filter((d) => d <= 1).length / winter.length).toBeGreaterThan(0.95)
      const drained = inStage('midseason_drainage').map((r) => r.m.water_depth_cm ?? 0)
      expect(Math.min(...drained)).toBeLessThan(1)
    }
  })

  it('loses about 1–2 cm a day to evaporation and percolation while the inlet is closed', () => {
    // Growing stage, band 4–8 cm: starting at 8 cm the inlet stays shut until the depth falls under 4 cm.
    const start = jst(6, 10)
    const model = createPaddyModel({ seed: 11, start, initialDepthCm: 8, rain: () => 0 })
    const days = run(model, start, start + 2 * DAY, DAY).map((r) => r.m.water_depth_cm ?? 0)
    for (let i = 1; i < days.length; i++) {
      const loss = (days[i - 1] ?? 0) - (days[i] ?? 0)
      expect(loss).toBeGreaterThan(1)
      expect(loss).toBeLessThan(2)
    }
  })

  it('overflows the outlet board in a downpour, past the too-deep line only in heavy rain', () => {
    const start = jst(6, 10)
    const downpour = (mmH: number) => (t: number) => (t < start + 3 * 3_600_000 ? mmH : 0)
    const peak = (mmH: number) =>
      Math.max(
        ...run(
          createPaddyModel({ seed: 1, start, initialDepthCm: 8, rain: downpour(mmH) }),
          start,
          start + DAY / 2,
          600_000,
        ).map((r) => r.m.water_depth_cm ?? 0),
      )
    expect(peak(10)).toBeLessThan(tooDeepAboveCm)
    expect(peak(80)).toBeGreaterThan(tooDeepAboveCm)
    expect(peak(80)).toBeLessThan(20)
  })

  it('warms the water in the afternoon and cools it at night', () => {
    const model = createPaddyModel({ seed: 3 })
    run(model, jst(6, 10), jst(6, 14), 600_000)
    const day = run(model, jst(6, 14), jst(6, 15), 600_000)
    const at = (hour: number) =>
      day.find((r) => (new Date(r.t).getUTCHours() + 9) % 24 === hour)?.m.water_temp_c ?? 0
    expect(at(14) - at(5)).toBeGreaterThan(3)
  })
})
