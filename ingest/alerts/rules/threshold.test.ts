import { describe, expect, it } from 'vitest'
import { type HoldParams, type HoldState, type HoldStep, initialHold, stepHold } from './threshold.js'

const MIN = 60_000
const above: HoldParams = { op: 'above', threshold: 50, clear: 48, forMs: 10 * MIN, maxGapMs: 15 * MIN }

/** Feeds [minute, value] pairs and returns the steps with the minute they happened. */
function run(p: HoldParams, samples: Array<[number, number]>, state: HoldState = initialHold()) {
  const steps: Array<{ minute: number; step: NonNullable<HoldStep> }> = []
  for (const [minute, value] of samples) {
    const r = stepHold(p, state, { ts: minute * MIN, value })
    state = r.state
    if (r.step) steps.push({ minute, step: r.step })
  }
  return { steps, state }
}

describe('threshold with hysteresis and minimum duration', () => {
  it('raises only once the value has stayed past the line for the minimum duration', () => {
    const { steps } = run(above, [
      [0, 49],
      [5, 51],
      [10, 52],
      [15, 51],
    ])
    expect(steps).toEqual([
      { minute: 15, step: { kind: 'raise', at: 15 * MIN, value: 51, threshold: 50, since: 5 * MIN } },
    ])
  })

  it('raises at once without a minimum duration', () => {
    const { steps } = run({ ...above, forMs: 0 }, [[0, 50.5]])
    expect(steps.map((s) => s.step.kind)).toEqual(['raise'])
  })

  it('restarts the hold when the value dips back under the line (flapping never raises)', () => {
    const { steps } = run(above, [
      [0, 51],
      [5, 49.9],
      [6, 51],
      [11, 49],
      [12, 51],
      [21, 51],
    ])
    expect(steps).toEqual([])
  })

  it('clears the alert only after the value goes past the hysteresis band', () => {
    const { steps } = run({ ...above, forMs: 0 }, [
      [0, 55],
      [1, 49],
      [2, 48.5],
      [3, 50.5],
      [4, 47.9],
      [5, 50.2],
    ])
    expect(steps.map((s) => `${s.minute}:${s.step.kind}`)).toEqual(['0:raise', '4:clear', '5:raise'])
  })

  it('restarts the hold after a gap longer than maxGap: nobody saw the value in between', () => {
    const { steps } = run(above, [
      [0, 51],
      [20, 51],
      [25, 51],
      [30, 51],
    ])
    expect(steps).toEqual([{ minute: 30, step: expect.objectContaining({ kind: 'raise', since: 20 * MIN }) }])
  })

  it('ignores duplicate and out-of-order readings', () => {
    const { steps, state } = run({ ...above, forMs: 0 }, [
      [10, 45],
      [10, 55],
      [5, 60],
    ])
    expect(steps).toEqual([])
    expect(state).toEqual({ open: false, pastSince: Number.NaN, lastTs: 10 * MIN })
  })

  it('works for below-rules (too shallow) the other way round', () => {
    const below: HoldParams = { op: 'below', threshold: 3, clear: 4, forMs: 30 * MIN, maxGapMs: 60 * MIN }
    const { steps } = run(below, [
      [0, 2.5],
      [30, 2.8],
      [60, 3.5],
      [90, 4.2],
    ])
    expect(steps.map((s) => `${s.minute}:${s.step.kind}`)).toEqual(['30:raise', '90:clear'])
  })

  it('keeps an alert restored as open open (no second raise after a restart)', () => {
    const { steps } = run({ ...above, forMs: 0 }, [[0, 55]], initialHold(true))
    expect(steps).toEqual([])
  })
})
