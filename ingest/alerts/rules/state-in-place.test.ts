/**
 * The per-device rule states live as long as the device and are stepped on every reading. They
 * keep numbers (never null) and update their points in place: a null-initialised field or a new
 * point per reading made V8 allocate an object per reading that lived until the device's next one,
 * which is what made young-generation pauses long at 10,000 devices (docs/benchmarks.md).
 */
import { describe, expect, it } from 'vitest'
import { initialFault, stepFault } from './fault.js'
import { initialRate, stepRate } from './rate.js'
import { initialCadence, observeCadence } from './silence.js'
import { initialHold, stepHold } from './threshold.js'

const MIN = 60_000
/** The fields that hold times and values (object-valued fields such as points may be null). */
const NUMERIC = {
  hold: ['open', 'pastSince', 'lastTs'],
  cadence: ['lastArrival', 'lastTs'],
  fault: ['open', 'lastTs', 'runValue', 'runCount', 'companionMin', 'companionMax', 'okStreak'],
} as const
const nonNumbers = (state: object, keys: readonly string[]) =>
  keys.filter((key) => !['number', 'boolean'].includes(typeof (state as Record<string, unknown>)[key]))

describe('rule states are updated in place', () => {
  it('hold, cadence and fault states hold numbers and booleans only, before and after readings', () => {
    const hold = initialHold()
    const cadence = initialCadence()
    const fault = initialFault()
    const check = () => {
      expect(nonNumbers(hold, NUMERIC.hold)).toEqual([])
      expect(nonNumbers(cadence, NUMERIC.cadence)).toEqual([])
      expect(nonNumbers(fault, NUMERIC.fault)).toEqual([])
    }
    check()
    for (let i = 0; i < 5; i++) {
      stepHold({ op: 'above', threshold: 5, clear: 4, forMs: 10 * MIN, maxGapMs: 15 * MIN }, hold, {
        ts: i * MIN,
        value: i % 2 ? 6 : 3,
      })
      observeCadence(cadence, i * MIN, i * MIN + 100)
      stepFault(
        { stuckReadings: 3, stuckEpsilon: 0, maxJumpWithinMs: MIN, outOfRange: true, clearAfterReadings: 2 },
        fault,
        { ts: i * MIN, value: 7, companion: i }, // one run: the companion's range grows
      )
    }
    check()
    expect(cadence.lastArrival).toBe(4 * MIN + 100)
    expect(fault.companionMin).toBe(0)
    expect(fault.companionMax).toBe(4)
  })

  it('the fault rule keeps one accepted point, and a rate window its last point, across readings', () => {
    const fault = initialFault()
    const params = { stuckEpsilon: 0, maxJumpWithinMs: MIN, outOfRange: true, clearAfterReadings: 2 }
    stepFault(params, fault, { ts: 0, value: 1 })
    const accepted = fault.accepted
    stepFault(params, fault, { ts: MIN, value: 2 })
    expect(fault.accepted).toBe(accepted)
    expect(fault.accepted).toMatchObject({ ts: MIN, value: 2 })

    const rate = initialRate()
    const p = {
      op: 'above' as const,
      threshold: 1,
      clear: 0.5,
      windowMs: 60 * MIN,
      perMs: 60 * MIN,
      minPoints: 3,
    }
    stepRate(p, rate, { ts: 0, value: 1 })
    stepRate(p, rate, { ts: 30_000, value: 1 })
    const last = rate.points.at(-1)
    // closer than windowMs/60 to the point before the last: the last point moves
    stepRate(p, rate, { ts: 50_000, value: 1.5 })
    expect(rate.points).toHaveLength(2)
    expect(rate.points.at(-1)).toBe(last)
    expect(last).toMatchObject({ ts: 50_000, value: 1.5 })
  })
})
