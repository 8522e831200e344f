import { createRandom } from '../random.js'
import { HOUR_MS, localMonth, seasonalWave } from './calendar.js'
import { DEMO_PROFILES, sampleCycle } from './demo-profiles.js'
import { createDeviceHealth } from './device-health.js'
import { clamp, createClock, type DeviceModel, type ModelOptions, sensorValue, substeps } from './model.js'
import { createRainProcess } from './rain.js'

/** Geometry and operation of a hillside irrigation reservoir (tameike), in metres above the gauge datum. */
export interface ReservoirShape {
  /** Spillway crest; above it water leaves over the spillway. */
  crestM: number
  /**
   * Disaster-priority reservoirs are kept below the crest (low-water management) to leave room
   * for a storm: above this level the keeper's outlet valve releases `releaseMH`.
   */
  managedLevelM: number
  /** Outlet valve capacity, m/h of level drop. */
  releaseMH: number
  /** Below this the outlet sits dry: no irrigation draw (dead storage). */
  outletM: number
  /** Catchment area ÷ water surface area: 1 mm of rain on the catchment lifts the pond this many mm. */
  catchmentRatio: number
  /** Share of rain on the catchment that runs off into the pond. */
  runoffCoeff: number
  /** Spillway discharge coefficient: m/h of level drop per m^1.5 of head over the crest. */
  spillwayCoeff: number
}

/**
 * Sized against the default alert (warning above 9.0 m, "approaching the spillway crest"): kept at
 * 8.5 m, a few storms a year lift it past 9.0 m, and the 9.5 m crest caps the worst of them.
 */
export const DEFAULT_RESERVOIR_SHAPE: ReservoirShape = {
  crestM: 9.5,
  managedLevelM: 8.5,
  releaseMH: 0.02,
  outletM: 1.0,
  catchmentRatio: 10,
  runoffCoeff: 0.7,
  spillwayCoeff: 2,
}
/** Runoff reaches the pond through a linear store with this lag (small, steep catchment). */
const RUNOFF_LAG_HOURS = 1.5
/** Paddies below draw water May–September, most in midsummer. */
const IRRIGATION_M_DAY = 0.06
const IRRIGATION_MONTHS = new Set([4, 5, 6, 7, 8])
/** Evaporation (0.1–0.5 cm/day by season) plus seepage through the embankment. */
const SEEPAGE_M_DAY = 0.002
const MAX_SUBSTEP_HOURS = 1 / 12

export type ReservoirModelOptions = ModelOptions & {
  shape?: Partial<ReservoirShape>
  /** Level at the start, m; default the managed level. */
  initialLevelM?: number
  /** Rain in mm/h to use instead of the random weather, e.g. to replay a typhoon in a scenario. */
  rain?: (simTimeMs: number) => number
}

/**
 * A reservoir level gauge with a rain gauge: rainfall-runoff from the catchment raises the level,
 * irrigation, evaporation and the keeper's outlet valve lower it, and the spillway caps the rise
 * a little above the crest.
 * @example const m = createReservoirModel({ seed: 7 }); m.step(Date.now()) // { water_level_m: 8.02, rain_mm_h: 0, ... }
 */
export function createReservoirModel(opts: ReservoirModelOptions): DeviceModel {
  const random = createRandom(opts.seed)
  const clock = createClock(opts.start)
  const health = createDeviceHealth('reservoir', random)
  if (opts.demo) {
    const demo = DEMO_PROFILES.reservoir
    const phaseS = Math.floor(random.next() * demo.phaseJitterS)
    return {
      kind: 'reservoir',
      step(simTimeMs) {
        const dtHours = clock.advance(simTimeMs)
        const tS = (simTimeMs - clock.startMs()) / 1000 + phaseS
        const level = sampleCycle(demo.waterLevelM, demo.cycleS, tS) + random.normal(0, demo.levelNoiseSdM)
        const rain = sampleCycle(demo.rainMmH, demo.cycleS, tS) * Math.exp(random.normal(0, demo.rainNoiseSd))
        return reading(level, rain, health.step(dtHours, simTimeMs - clock.startMs()))
      },
    }
  }

  const shape = { ...DEFAULT_RESERVOIR_SHAPE, ...opts.shape }
  const weather = createRainProcess(random)
  const rainAt = (t: number, hours: number): number =>
    opts.rain ? clamp(opts.rain(t), 0, 250) : weather.step(t, hours)
  let levelM = opts.initialLevelM ?? shape.managedLevelM
  /** Runoff arriving now, in m/h of level rise. */
  let runoffMH = 0
  let rainMmH = 0
  return {
    kind: 'reservoir',
    step(simTimeMs) {
      const dtHours = clock.advance(simTimeMs)
      const { count, hours } = substeps(dtHours, MAX_SUBSTEP_HOURS)
      for (let i = 1; i <= count; i++) {
        const t = simTimeMs - (count - i) * hours * HOUR_MS
        rainMmH = rainAt(t, hours)
        const runoffTarget = (rainMmH / 1000) * shape.runoffCoeff * shape.catchmentRatio
        runoffMH = runoffTarget + (runoffMH - runoffTarget) * Math.exp(-hours / RUNOFF_LAG_HOURS)
        // Explicit Euler: every flux from the level at the start of the sub-step.
        const head = Math.max(0, levelM - shape.crestM)
        const inflowM = (runoffMH + rainMmH / 1000) * hours
        const lossM = outflowMH(t, levelM, shape) * hours
        // The spillway never takes the level below the crest in one sub-step, whatever its length.
        const spillM = Math.min(head + inflowM, shape.spillwayCoeff * head ** 1.5 * hours)
        levelM = Math.max(0, levelM + inflowM - lossM - spillM)
      }
      return reading(levelM, rainMmH, health.step(dtHours, simTimeMs - clock.startMs()))
    },
  }
}

function reading(levelM: number, rainMmH: number, health: { battery_v: number; rssi_dbm: number }) {
  return {
    water_level_m: sensorValue('reservoir', 'water_level_m', levelM, 0.01),
    rain_mm_h: sensorValue('reservoir', 'rain_mm_h', clamp(rainMmH, 0, 250), 0.5),
    ...health,
  }
}

/** Irrigation draw (only while water reaches the outlet), evaporation, seepage and the valve, m/h. */
function outflowMH(simTimeMs: number, levelM: number, shape: ReservoirShape): number {
  const summer = (seasonalWave(simTimeMs, 210) + 1) / 2
  const evaporationMDay = 0.001 + 0.004 * summer
  const irrigationMDay =
    IRRIGATION_MONTHS.has(localMonth(simTimeMs)) && levelM > shape.outletM
      ? IRRIGATION_M_DAY * (0.5 + summer / 2)
      : 0
  const lossMDay = levelM > 0 ? evaporationMDay + SEEPAGE_M_DAY + irrigationMDay : 0
  // The keeper throttles the valve over the last 5 cm so the level settles on the mark, not around it.
  const release = shape.releaseMH * clamp((levelM - shape.managedLevelM) / 0.05, 0, 1)
  return lossMDay / 24 + release
}
