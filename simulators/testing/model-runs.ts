/** Test-only helpers for the model tests (not used by the simulators themselves). */
import { type DeviceKind, KIND_METRICS } from '../../firmware-contracts/index.js'
import type { DeviceModel } from '../models/model.js'

/** 1 January 2026 00:00 JST in epoch ms. */
export const JAN_1_2026_JST = Date.UTC(2025, 11, 31, 15)

/** Epoch ms for a JST wall-clock time in 2026. */
export function jst(month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(2026, month - 1, day, hour - 9, minute)
}

/** Steps the model from `fromMs` to `toMs` every `everyMs`, collecting [time, reading] pairs. */
export function run(
  model: DeviceModel,
  fromMs: number,
  toMs: number,
  everyMs: number,
): Array<{ t: number; m: Record<string, number> }> {
  const out: Array<{ t: number; m: Record<string, number> }> = []
  for (let t = fromMs; t <= toMs; t += everyMs) out.push({ t, m: model.step(t) })
  return out
}

/** The metrics outside the contract's sensor range, or with a name the kind does not declare. */
export function violations(kind: DeviceKind, readings: Array<{ m: Record<string, number> }>): string[] {
  const specs = KIND_METRICS[kind]
  const bad: string[] = []
  for (const { m } of readings) {
    for (const [metric, value] of Object.entries(m)) {
      const spec = specs[metric]
      if (!spec) bad.push(`unknown metric ${metric}`)
      else if (!Number.isFinite(value) || value < spec.min || value > spec.max) bad.push(`${metric}=${value}`)
    }
  }
  return [...new Set(bad)].slice(0, 10)
}
