import { describe, expect, it } from 'vitest'
import { type FaultParams, type FaultState, initialFault, stepFault, stepFaultRejected } from './fault.js'

const MIN = 60_000
const rail: FaultParams = {
  stuckReadings: 6,
  stuckEpsilon: 0,
  maxJump: 15,
  maxJumpWithinMs: 30 * MIN,
  outOfRange: true,
  clearAfterReadings: 3,
}

function run(p: FaultParams, samples: Array<[number, number, number?]>, state: FaultState = initialFault()) {
  const out: string[] = []
  const suspects: number[] = []
  for (const [minute, value, companion] of samples) {
    const r = stepFault(p, state, { ts: minute * MIN, value, companion })
    state = r.state
    if (r.suspect) suspects.push(minute)
    if (r.step) out.push(`${minute}:${r.step.kind}${r.step.kind === 'raise' ? `:${r.step.fault}` : ''}`)
  }
  return { out, suspects, state }
}

describe('sensor fault', () => {
  it('raises when the value is stuck for N readings and clears after plausible ones', () => {
    const stuck: Array<[number, number]> = [0, 5, 10, 15, 20, 25].map((m) => [m, 31.4])
    const moving: Array<[number, number]> = [30, 35, 40].map((m, i) => [m, 31.5 + i * 0.2])
    expect(run(rail, [...stuck, ...moving]).out).toEqual(['25:raise:stuck', '40:clear'])
  })

  it('needs the companion metric to move before calling a flat value stuck (a tunnel is flat for days)', () => {
    const p = { ...rail, stuckCompanion: { metric: 'ambient_temp_c', minRange: 2 } }
    const tunnel: Array<[number, number, number]> = [0, 5, 10, 15, 20, 25, 30].map((m) => [
      m,
      21.9,
      21.8 + (m % 10) * 0.02,
    ])
    const frozen: Array<[number, number, number]> = [0, 5, 10, 15, 20, 25].map((m) => [m, 31.4, 30 + m * 0.1])
    expect(run(p, tunnel).out).toEqual([])
    expect(run(p, frozen).out).toEqual(['25:raise:stuck'])
  })

  it('flags an impossible jump as suspect (kept out of the value rules) and raises a fault', () => {
    const r = run(rail, [
      [0, 40],
      [5, 41],
      [10, 62],
      [15, 41.5],
      [20, 42],
      [25, 42.3],
    ])
    expect(r.suspects).toEqual([10])
    expect(r.out).toEqual(['10:raise:jump', '25:clear'])
  })

  it('accepts a new level after consistent readings (a relocated sensor is not faulty forever)', () => {
    const r = run(rail, [
      [0, 20],
      [5, 40],
      [10, 40.2],
      [15, 40.1],
      [20, 40.3],
    ])
    expect(r.suspects).toEqual([5, 10])
    expect(r.state.accepted).toMatchObject({ ts: 20 * MIN, value: 40.3 })
  })

  it('does not call a change over a long gap a jump', () => {
    expect(
      run(rail, [
        [0, 20],
        [120, 45],
      ]).out,
    ).toEqual([])
  })

  it('raises for values ingest refused as out of range', () => {
    const r = stepFaultRejected(rail, initialFault(), 5 * MIN, 999)
    expect(r.step).toEqual({
      kind: 'raise',
      at: 5 * MIN,
      value: 999,
      fault: 'out_of_range',
      threshold: 0,
      since: 5 * MIN,
    })
    expect(stepFaultRejected(rail, r.state, 6 * MIN, 999).step).toBeNull()
    expect(stepFaultRejected({ ...rail, outOfRange: false }, initialFault(), 0, 1).step).toBeNull()
  })

  it('ignores duplicates and out-of-order readings', () => {
    const r = run(rail, [
      [10, 40],
      [10, 80],
      [5, 80],
    ])
    expect(r.out).toEqual([])
  })
})
