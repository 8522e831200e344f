import { linearFit, type Point, slideWindow } from './linear-fit.js'

const HOUR = 3_600_000

export interface ForecastParams {
  /** The level whose arrival is forecast, e.g. the spillway crest. */
  target: number
  warnWithinMs: number
  clearBeyondMs: number
  fitWindowMs: number
  minPoints: number
  /** Metric units per hour; slower rises give no forecast. */
  minRisePerHour: number
}

export interface ForecastState {
  open: boolean
  points: Point[]
}

export const initialForecast = (open = false): ForecastState => ({ open, points: [] })

export interface Forecast {
  /** Rise in metric units per hour (least-squares over the fit window). */
  ratePerHour: number
  /** Time until the fitted line reaches the target; 0 once the level is there. */
  etaMs: number
  /** Reading time plus `etaMs`. */
  reachesAt: number
}

export type ForecastStep =
  | { kind: 'raise'; at: number; value: number; threshold: number; forecast: Forecast; since: number }
  | { kind: 'clear'; at: number; value: number }
  | null

/**
 * Time-to-threshold forecast for reservoirs: a least-squares line through the recent rise,
 * extended to the target (the spillway crest). Raises when the estimated arrival is within
 * `warnWithinMs`; stays open while the level is at or past the target (the forecast came true);
 * clears when the arrival moves beyond `clearBeyondMs` or the level stops rising.
 * @example stepForecast(p, s, { ts, value: 9.1 }).forecast?.etaMs // ms until 9.5 m
 */
export function stepForecast(
  p: ForecastParams,
  state: ForecastState,
  sample: Point,
): { state: ForecastState; step: ForecastStep; forecast: Forecast | undefined } {
  const last = state.points.at(-1)
  if (last && sample.ts <= last.ts) return { state, step: null, forecast: undefined }
  // the window moves in place: `state` stays the state unless `open` changes
  const points = slideWindow(state.points, sample, p.fitWindowMs)
  const span = sample.ts - (points[0] as Point).ts
  const fit = points.length >= p.minPoints && span >= p.fitWindowMs / 2 ? linearFit(points) : undefined
  if (!fit) return { state, step: null, forecast: undefined }
  const ratePerHour = fit.slopePerMs * HOUR
  const reached = sample.value >= p.target
  const rising = ratePerHour > 0 && ratePerHour >= p.minRisePerHour
  let forecast: Forecast | undefined
  if (reached) forecast = { ratePerHour, etaMs: 0, reachesAt: sample.ts }
  else if (rising) {
    // from the fitted level, not the last raw reading: one noisy reading must not move the ETA much
    const etaMs = Math.max(0, ((p.target - fit.fittedLast) / ratePerHour) * HOUR)
    forecast = { ratePerHour, etaMs, reachesAt: sample.ts + etaMs }
  }
  if (!state.open) {
    if (reached || !forecast || forecast.etaMs > p.warnWithinMs) return { state, step: null, forecast }
    return {
      state: { ...state, open: true },
      step: {
        kind: 'raise',
        at: sample.ts,
        value: sample.value,
        threshold: p.target,
        forecast,
        since: (points[0] as Point).ts,
      },
      forecast,
    }
  }
  if (reached || (forecast && forecast.etaMs <= p.clearBeyondMs)) return { state, step: null, forecast }
  return {
    state: { ...state, open: false },
    step: { kind: 'clear', at: sample.ts, value: sample.value },
    forecast,
  }
}
