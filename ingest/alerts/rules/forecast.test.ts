import { describe, expect, it } from 'vitest'
import { type ForecastParams, type ForecastState, initialForecast, stepForecast } from './forecast.js'

const MIN = 60_000
const HOUR = 60 * MIN
const crest: ForecastParams = {
  target: 9.5,
  warnWithinMs: 2 * HOUR,
  clearBeyondMs: 3 * HOUR,
  fitWindowMs: HOUR,
  minPoints: 4,
  minRisePerHour: 0.02,
}

function run(samples: Array<[number, number]>, state: ForecastState = initialForecast()) {
  const steps: string[] = []
  let eta: number | undefined
  for (const [minute, value] of samples) {
    const r = stepForecast(crest, state, { ts: minute * MIN, value })
    state = r.state
    eta = r.forecast?.etaMs
    if (r.step) steps.push(`${minute}:${r.step.kind}`)
  }
  return { steps, eta }
}

const rise = (from: number, perHour: number, minutes: number[]): Array<[number, number]> =>
  minutes.map((m) => [m, from + (perHour * m) / 60])

describe('time-to-threshold forecast', () => {
  it('estimates when a steady rise reaches the crest', () => {
    // 9.0 m rising 0.2 m/h: 0.5 m to go after 60 min = 9.2 m → 1.5 h
    const r = run(rise(9.0, 0.2, [0, 10, 20, 30, 40, 50, 60]))
    expect((r.eta ?? 0) / HOUR).toBeCloseTo(1.5, 6)
  })

  it('raises as soon as the estimated arrival is within the warning time', () => {
    // 8.6 m rising 0.25 m/h: reaches 9.5 m at 3.6 h; ETA ≤ 2 h from 1.6 h on
    const minutes = Array.from({ length: 24 }, (_, i) => i * 10)
    const r = run(rise(8.6, 0.25, minutes))
    expect(r.steps).toEqual(['100:raise'])
  })

  it('stays open while the level is past the crest and clears once it stops rising', () => {
    const up = rise(9.2, 0.3, [0, 10, 20, 30, 40, 50, 60, 70, 80])
    const peak: Array<[number, number]> = [90, 100, 110, 120, 130, 140, 150, 160].map((m) => [
      m,
      9.6 - (m - 90) * 0.004,
    ])
    const fall: Array<[number, number]> = [170, 180, 190, 200].map((m) => [m, 9.3 - (m - 170) * 0.01])
    const r = run([...up, ...peak, ...fall])
    // past the crest from 60 to 115 min; below it and no longer rising by 120
    expect(r.steps).toEqual(['30:raise', '120:clear'])
  })

  it('gives no forecast for a slow rise or too few points', () => {
    expect(run(rise(9.0, 0.01, [0, 10, 20, 30, 40, 50, 60])).eta).toBeUndefined()
    expect(run(rise(9.0, 0.5, [0, 10, 20])).eta).toBeUndefined()
  })
})
