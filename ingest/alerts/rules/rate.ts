import { linearFit, type Point, slideWindow } from './linear-fit.js'

export interface RateParams {
  op: 'above' | 'below'
  /** Metric units per `perMs`. */
  threshold: number
  clear: number
  windowMs: number
  perMs: number
  minPoints: number
  onlyAbove?: number
  onlyBelow?: number
}

export interface RateState {
  open: boolean
  points: Point[]
}

export const initialRate = (open = false): RateState => ({ open, points: [] })

export type RateStep =
  | { kind: 'raise'; at: number; value: number; rate: number; threshold: number; since: number }
  | { kind: 'clear'; at: number; value: number; rate: number }
  | null

/**
 * Rate of change over a sliding window (e.g. reservoir +10 cm/h, rail +5 °C in 30 min), one reading
 * at a time in ts order. The rate is the least-squares slope of the window's readings, and is only
 * trusted when the window holds `minPoints` readings spanning at least half the window: after a
 * gap the first readings cannot make a rate. Hysteresis between `threshold` and `clear`.
 * @example stepRate(params, initialRate(), { ts, value }).rate // m per hour for perMs = 1 h
 */
export function stepRate(
  p: RateParams,
  state: RateState,
  sample: Point,
): { state: RateState; step: RateStep; rate: number | undefined } {
  const last = state.points.at(-1)
  if (last && sample.ts <= last.ts) return { state, step: null, rate: undefined }
  // the window moves in place: `state` stays the state unless `open` changes
  const points = slideWindow(state.points, sample, p.windowMs)
  const span = sample.ts - (points[0] as Point).ts
  const fit = points.length >= p.minPoints && span >= p.windowMs / 2 ? linearFit(points) : undefined
  const rate = fit ? fit.slopePerMs * p.perMs : undefined
  if (rate === undefined) return { state, step: null, rate }
  const gated =
    (p.onlyAbove !== undefined && sample.value < p.onlyAbove) ||
    (p.onlyBelow !== undefined && sample.value > p.onlyBelow)
  if (!state.open) {
    const past = p.op === 'above' ? rate > p.threshold : rate < p.threshold
    if (!past || gated) return { state, step: null, rate }
    const since = (points[0] as Point).ts
    return {
      state: { ...state, open: true },
      step: { kind: 'raise', at: sample.ts, value: sample.value, rate, threshold: p.threshold, since },
      rate,
    }
  }
  const back = p.op === 'above' ? rate < p.clear : rate > p.clear
  if (!back) return { state, step: null, rate }
  return {
    state: { ...state, open: false },
    step: { kind: 'clear', at: sample.ts, value: sample.value, rate },
    rate,
  }
}
