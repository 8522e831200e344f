import type { ThresholdRule } from '../../store/meta-store.js'

export type Transition = 'raise' | 'clear' | null

/**
 * Threshold with hysteresis: raise when the value goes past `threshold`, clear only once it is
 * back past `clear`, so a value hovering at the line does not flap.
 * @example evaluateThreshold({ op: 'above', threshold: 50, clear: 48 }, false, 50.5) // 'raise'
 */
export function evaluateThreshold(
  rule: Pick<ThresholdRule, 'op' | 'threshold' | 'clear'>,
  open: boolean,
  value: number,
): Transition {
  if (rule.op === 'above') {
    if (!open && value > rule.threshold) return 'raise'
    if (open && value < rule.clear) return 'clear'
  } else {
    if (!open && value < rule.threshold) return 'raise'
    if (open && value > rule.clear) return 'clear'
  }
  return null
}

export interface HoldParams {
  op: 'above' | 'below'
  threshold: number
  clear: number
  /** How long (by reading time) the value must stay past the threshold before raising. */
  forMs: number
  /** A longer gap between readings restarts the hold: nobody saw what happened in between. */
  maxGapMs: number
}

export interface HoldState {
  open: boolean
  /** ts of the first reading of the current run past the threshold; NaN when not past. */
  pastSince: number
  /** ts of the last reading stepped; -Infinity before the first. */
  lastTs: number
}

/**
 * Numbers, never null: a field that only ever holds numbers is updated in place by V8, while one
 * that started as null boxes every new number in a fresh object, one per rule and reading, which
 * lived until the device's next reading and made every scavenge longer at 10k devices.
 */
export const initialHold = (open = false): HoldState => ({
  open,
  pastSince: Number.NaN,
  lastTs: Number.NEGATIVE_INFINITY,
})

export type HoldStep =
  | { kind: 'raise'; at: number; value: number; threshold: number; since: number }
  | { kind: 'clear'; at: number; value: number }
  | null

/** Default gap limit for a hold: the hold itself, and at least 15 minutes. */
export const defaultMaxGap = (forMs: number) => Math.max(forMs, 15 * 60_000)

/**
 * Threshold with hysteresis and a minimum duration, one reading at a time in ts order. The caller
 * keeps the state; the step updates it in place and returns it. A reading at or before `lastTs`
 * (a duplicate, or one out of order) does not move the state.
 * @example
 * let s = initialHold(); const p = { op: 'above', threshold: 50, clear: 48, forMs: 600_000, maxGapMs: 900_000 }
 * stepHold(p, s, { ts: 0, value: 51 }).step // null: past, holding
 * stepHold(p, s, { ts: 600_000, value: 52 }).step // { kind: 'raise', since: 0, ... }
 */
export function stepHold(
  p: HoldParams,
  state: HoldState,
  sample: { ts: number; value: number },
): { state: HoldState; step: HoldStep } {
  const last = state.lastTs
  if (sample.ts <= last) return { state, step: null }
  const { ts, value } = sample
  // updated in place: the state lives until the device's next reading, long enough to outlive
  // V8's young generation, so a new object per rule and reading was promoted at 10k devices
  state.lastTs = ts
  if (state.open) {
    const back = p.op === 'above' ? value < p.clear : value > p.clear
    if (!back) return { state, step: null }
    state.open = false
    state.pastSince = Number.NaN
    return { state, step: { kind: 'clear', at: ts, value } }
  }
  const past = p.op === 'above' ? value > p.threshold : value < p.threshold
  if (!past) {
    state.pastSince = Number.NaN
    return { state, step: null }
  }
  const gap = last === Number.NEGATIVE_INFINITY ? 0 : ts - last
  const since = Number.isNaN(state.pastSince) || gap > p.maxGapMs ? ts : state.pastSince
  state.pastSince = since
  if (ts - since < p.forMs) return { state, step: null }
  state.open = true
  return { state, step: { kind: 'raise', at: ts, value, threshold: p.threshold, since } }
}
