import { describe, expect, it } from 'vitest'
import { initialRate, type RateParams, type RateState, stepRate } from './rate.js'

const MIN = 60_000
const HOUR = 60 * MIN
// reservoir rising more than 10 cm/h (0.1 m/h) over an hour; clears under 5 cm/h
const rising: RateParams = {
  op: 'above',
  threshold: 0.1,
  clear: 0.05,
  windowMs: HOUR,
  perMs: HOUR,
  minPoints: 3,
}

function run(p: RateParams, samples: Array<[number, number]>, state: RateState = initialRate()) {
  const out: string[] = []
  let last: number | undefined
  for (const [minute, value] of samples) {
    const r = stepRate(p, state, { ts: minute * MIN, value })
    state = r.state
    last = r.rate
    if (r.step) out.push(`${minute}:${r.step.kind}`)
  }
  return { out, rate: last }
}

/** A reading every 10 minutes rising `perHour` m/h from `from` m. */
const ramp = (startMinute: number, count: number, from: number, perHour: number): Array<[number, number]> =>
  Array.from({ length: count }, (_, i) => [startMinute + i * 10, from + (perHour * i) / 6])

describe('rate of change over a window', () => {
  it('measures the least-squares slope in units per hour', () => {
    expect(run(rising, ramp(0, 7, 8.5, 0.12)).rate).toBeCloseTo(0.12, 6)
  })

  it('raises once the window shows a fast rise and clears when it slows below the clear rate', () => {
    const up = ramp(0, 7, 8.5, 0.15)
    // then it levels off: the hour-long window still sees part of the rise for a while
    const flat = ramp(70, 8, 8.5 + (0.15 * 7) / 6, 0.01)
    expect(run(rising, [...up, ...flat]).out).toEqual(['30:raise', '120:clear'])
  })

  it('needs minPoints readings spanning half the window: no rate right after a gap', () => {
    const r = run(rising, [
      [0, 8.5],
      [120, 8.9],
      [130, 8.95],
    ])
    expect(r.out).toEqual([])
    expect(r.rate).toBeUndefined()
  })

  it('does not let one noisy reading fake a trend', () => {
    const samples: Array<[number, number]> = [
      [0, 8.5],
      [10, 8.5],
      [20, 8.5],
      [30, 8.5],
      [40, 8.5],
      [50, 8.56],
    ]
    expect(run(rising, samples).out).toEqual([])
  })

  it('only raises above `onlyAbove` (a hot rail rising fast matters, a cold one warming up does not)', () => {
    const rail: RateParams = {
      op: 'above',
      threshold: 5,
      clear: 3,
      windowMs: 30 * MIN,
      perMs: 30 * MIN,
      minPoints: 3,
      onlyAbove: 40,
    }
    const cold: Array<[number, number]> = [0, 5, 10, 15, 20, 25, 30].map((m) => [m, 20 + m * 0.3])
    const hot: Array<[number, number]> = [0, 5, 10, 15, 20, 25, 30].map((m) => [m, 40 + m * 0.3])
    expect(run(rail, cold).out).toEqual([])
    expect(run(rail, hot).out).toEqual(['15:raise'])
  })

  it('handles falling rates (a leaking paddy) with op below', () => {
    const leak: RateParams = {
      op: 'below',
      threshold: -1,
      clear: -0.5,
      windowMs: 2 * HOUR,
      perMs: HOUR,
      minPoints: 3,
    }
    const samples: Array<[number, number]> = [0, 30, 60, 90, 120].map((m) => [m, 8 - (m / 60) * 1.5])
    expect(run(leak, samples).out).toEqual(['60:raise'])
  })

  it('ignores duplicates and out-of-order readings', () => {
    const r = run(rising, [...ramp(0, 4, 8.5, 0.3), [30, 7], [20, 7]])
    expect(r.out).toEqual(['30:raise'])
  })
})
