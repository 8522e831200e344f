import { type DeviceKind, KIND_METRICS } from '../../firmware-contracts/index.js'
import { HOUR_MS } from './calendar.js'

/** A simulated sensor: each `step` advances the physics to `simTimeMs` and returns one reading. */
export interface DeviceModel {
  readonly kind: DeviceKind
  /**
   * Metrics at `simTimeMs` (epoch ms), named as in `KIND_METRICS[kind]`. Times are expected to
   * increase; a time earlier than the last one is treated as no time passing.
   */
  step(simTimeMs: number): Record<string, number>
}

export interface ModelOptions {
  /** Same seed and same sequence of step times give the same values. */
  seed: number
  /** Epoch ms the simulation starts at; defaults to the time of the first `step`. */
  start?: number
  /** Scripted profile that crosses the default alert thresholds within a minute (see demo-profiles.ts). */
  demo?: boolean
}

/**
 * Clamps to the sensor range the contract declares and rounds to the sensor's resolution, so a
 * model can never publish a value ingest would reject as impossible.
 */
export function sensorValue(kind: DeviceKind, metric: string, value: number, resolution: number): number {
  const spec = KIND_METRICS[kind][metric]
  if (!spec) throw new Error(`metric ${metric} is not declared for kind ${kind}`)
  const rounded = Math.round(value / resolution) * resolution
  // Re-round after the multiply so 0.1 steps print as 7.3, not 7.300000000000001.
  const tidy = Number(rounded.toFixed(Math.max(0, -Math.floor(Math.log10(resolution)))))
  return Math.min(spec.max, Math.max(spec.min, tidy))
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/**
 * Splits the time since the last step into sub-steps of at most `maxStepHours` so the physics
 * stays stable for any publish interval; at most `maxSteps` of them bound the cost of a long gap.
 */
export function substeps(
  dtHours: number,
  maxStepHours: number,
  maxSteps = 2000,
): { count: number; hours: number } {
  if (!(dtHours > 0)) return { count: 0, hours: 0 }
  const count = Math.min(maxSteps, Math.ceil(dtHours / maxStepHours))
  return { count, hours: dtHours / count }
}

/**
 * Tracks the model's clock: the start time and the hours elapsed since the previous step.
 * Kept per model instance (no module state).
 */
export function createClock(start: number | undefined): {
  advance(simTimeMs: number): number
  startMs(): number
} {
  let startMs = start
  let lastMs = start
  return {
    advance(simTimeMs) {
      if (startMs === undefined) startMs = simTimeMs
      if (lastMs === undefined) lastMs = simTimeMs
      const dtHours = Math.max(0, simTimeMs - lastMs) / HOUR_MS
      lastMs = Math.max(lastMs, simTimeMs)
      return dtHours
    },
    startMs() {
      return startMs ?? 0
    },
  }
}

/** An AR(1) / Ornstein–Uhlenbeck value: noise with memory, for weather that drifts over hours. */
export function createDrift(
  random: { normal(mean: number, sd: number): number },
  sd: number,
  timeConstantHours: number,
): { step(dtHours: number): number; value(): number } {
  let x = random.normal(0, sd)
  return {
    step(dtHours) {
      if (dtHours <= 0) return x
      const keep = Math.exp(-dtHours / timeConstantHours)
      x = x * keep + random.normal(0, sd * Math.sqrt(1 - keep * keep))
      return x
    },
    value: () => x,
  }
}
