import { type Point, StatePoint } from './linear-fit.js'

export type FaultKind = 'stuck' | 'jump' | 'out_of_range'

export interface FaultParams {
  stuckReadings?: number
  stuckEpsilon: number
  /** Stuck only if this companion metric moved at least `minRange` meanwhile (a tunnel is flat for days). */
  stuckCompanion?: { metric: string; minRange: number } | undefined
  maxJump?: number
  maxJumpWithinMs: number
  outOfRange: boolean
  clearAfterReadings: number
}

/**
 * Times and values are numbers, never null (NaN or -Infinity for "none"): V8 updates such fields in
 * place, where a field that started as null boxes each new number in an object that lives until
 * the device's next reading (threshold.ts, `initialHold`).
 */
export interface FaultState {
  open: boolean
  /** ts of the last reading stepped; -Infinity before the first. */
  lastTs: number
  /** Last reading judged plausible: jumps are measured from it. */
  accepted: Point | null
  /** Readings past a jump that agree with each other: enough of them make a new level, not a fault. */
  candidates: Point[]
  /** Value of the current run of equal readings; NaN before the first. */
  runValue: number
  runCount: number
  /** Range of the companion metric over the current run; NaN while it has none. */
  companionMin: number
  companionMax: number
  okStreak: number
}

export const initialFault = (open = false): FaultState => ({
  open,
  lastTs: Number.NEGATIVE_INFINITY,
  accepted: null,
  candidates: [],
  runValue: Number.NaN,
  runCount: 0,
  companionMin: Number.NaN,
  companionMax: Number.NaN,
  okStreak: 0,
})

export type FaultStep =
  | { kind: 'raise'; at: number; value: number; fault: FaultKind; threshold: number; since: number }
  | { kind: 'clear'; at: number; value: number }
  | null

/** Marks `state` faulty; the raise step, or null when it already was. */
function onFault(
  p: FaultParams,
  state: FaultState,
  at: number,
  value: number,
  fault: FaultKind,
  since: number,
): FaultStep {
  state.okStreak = 0
  if (state.open) return null
  state.open = true
  const threshold = fault === 'jump' ? (p.maxJump ?? 0) : fault === 'stuck' ? (p.stuckReadings ?? 0) : 0
  return { kind: 'raise', at, value, fault, threshold, since }
}

/**
 * Copies the sample into the state's own point: the state lives until the device's next reading,
 * so holding the caller's sample object kept one object per reading past V8's young generation.
 */
function accept(state: FaultState, sample: Point): void {
  if (state.accepted) {
    state.accepted.ts = sample.ts
    state.accepted.value = sample.value
  } else state.accepted = new StatePoint(sample.ts, sample.value)
}

/**
 * Sensor fault, one reading at a time in ts order: a value stuck for `stuckReadings` readings, or
 * an impossible jump from the last plausible reading. `suspect` tells the caller to keep this
 * reading out of the value rules: a spike is a sensor problem, not a flood. Clears after
 * `clearAfterReadings` plausible readings in a row.
 *
 * Advances `state` in place and returns it: the evaluator owns one state per rule and device, and
 * this runs for every reading on the ingest path (a copy per step was ~10 % of alert evaluation).
 */
export function stepFault(
  p: FaultParams,
  state: FaultState,
  sample: Point & { companion?: number | undefined },
): { state: FaultState; step: FaultStep; suspect: boolean } {
  if (sample.ts <= state.lastTs) return { state, step: null, suspect: false }
  const next = state
  const ref = state.accepted
  next.lastTs = sample.ts
  let suspect = false
  if (
    p.maxJump !== undefined &&
    ref &&
    sample.ts - ref.ts <= p.maxJumpWithinMs &&
    Math.abs(sample.value - ref.value) > p.maxJump
  ) {
    const prev = next.candidates.at(-1)
    const candidates =
      prev && Math.abs(sample.value - prev.value) <= p.maxJump ? [...next.candidates, sample] : [sample]
    if (candidates.length >= Math.max(3, p.clearAfterReadings)) {
      accept(next, sample)
      next.candidates = []
    } else {
      next.candidates = candidates
      suspect = true
    }
  } else {
    accept(next, sample)
    if (next.candidates.length > 0) next.candidates = []
  }

  // (false while runValue is NaN)
  if (Math.abs(sample.value - next.runValue) <= p.stuckEpsilon) next.runCount++
  else {
    next.runValue = sample.value
    next.runCount = 1
    next.companionMin = Number.NaN
    next.companionMax = Number.NaN
  }
  const companion = sample.companion
  if (companion !== undefined) {
    if (!(next.companionMin <= companion)) next.companionMin = companion // also when NaN
    if (!(next.companionMax >= companion)) next.companionMax = companion
  }
  const companionRange = Number.isNaN(next.companionMin) ? 0 : next.companionMax - next.companionMin
  const companionMoved = !p.stuckCompanion || companionRange >= p.stuckCompanion.minRange
  const stuck = p.stuckReadings !== undefined && next.runCount >= p.stuckReadings && companionMoved

  if (suspect)
    return { state: next, step: onFault(p, next, sample.ts, sample.value, 'jump', sample.ts), suspect }
  if (stuck)
    return { state: next, step: onFault(p, next, sample.ts, sample.value, 'stuck', sample.ts), suspect }
  if (!next.open) return { state: next, step: null, suspect }
  next.okStreak++
  if (next.okStreak < p.clearAfterReadings) return { state: next, step: null, suspect }
  next.open = false
  next.okStreak = 0
  return { state: next, step: { kind: 'clear', at: sample.ts, value: sample.value }, suspect }
}

/** A value ingest refused as outside the sensor's range (it has no stored reading, so `at` is its arrival). */
export function stepFaultRejected(
  p: FaultParams,
  state: FaultState,
  at: number,
  value: unknown,
): { state: FaultState; step: FaultStep } {
  if (!p.outOfRange) return { state, step: null }
  const shown = typeof value === 'number' && Number.isFinite(value) ? value : 0
  return { state, step: onFault(p, state, at, shown, 'out_of_range', at) }
}
