import { createRandom } from '../random.js'
import { climateAirTempC, dayLengthHours, dayOfYear, HOUR_MS, seasonalWave, sunshine } from './calendar.js'
import { DEMO_PROFILES, sampleCycle } from './demo-profiles.js'
import { createDeviceHealth } from './device-health.js'
import {
  clamp,
  createClock,
  createDrift,
  type DeviceModel,
  type ModelOptions,
  sensorValue,
  substeps,
} from './model.js'
import { createRainProcess } from './rain.js'

/**
 * How a farmer manages the water through the year (JST day of year, single rice crop in central
 * Japan). `irrigate` is the [open below, close above] band of the inlet in cm; `weirCm` is the
 * height of the outlet board (0 = outlet open, the field drains).
 */
const CROP_CALENDAR: ReadonlyArray<{
  fromDay: number
  stage: string
  irrigate?: [number, number]
  weirCm: number
}> = [
  { fromDay: 0, stage: 'fallow', weirCm: 0 },
  { fromDay: 115, stage: 'puddling', irrigate: [6, 10], weirCm: 12 },
  { fromDay: 130, stage: 'growing', irrigate: [4, 8], weirCm: 12 },
  // Mid-season drainage (nakaboshi): the field is dried on purpose for ~12 days.
  { fromDay: 185, stage: 'midseason_drainage', weirCm: 0 },
  // Deep water through heading protects the panicles from heat.
  { fromDay: 197, stage: 'heading', irrigate: [6, 10], weirCm: 13 },
  { fromDay: 237, stage: 'final_drainage', weirCm: 0 },
]
/** Inflow through an open inlet from the irrigation channel. */
const INLET_CM_H = 0.8
/** Seepage into the subsoil while water stands on the field (1–2 cm/day with evaporation). */
const PERCOLATION_CM_DAY = 1.0
/** Outlet weir discharge coefficient: cm/h per cm^1.5 of head over the board. */
const WEIR_COEFF = 1.0
/** A drained field's water table settles this far below the soil surface (the sensor reads negative). */
const SOIL_FLOOR_CM = -6
const MAX_SUBSTEP_HOURS = 1 / 6

export type PaddyModelOptions = ModelOptions & {
  /** Water depth at the start, cm; by default what the crop calendar expects for the day. */
  initialDepthCm?: number
  /** Rain in mm/h to use instead of the random weather, e.g. to replay a storm in a scenario. */
  rain?: (simTimeMs: number) => number
}

/** The crop stage for a time, e.g. to explain a reading in a test or a scenario. */
export function paddyStage(simTimeMs: number): (typeof CROP_CALENDAR)[number] {
  const day = dayOfYear(simTimeMs)
  let current = CROP_CALENDAR[0] as (typeof CROP_CALENDAR)[number]
  for (const entry of CROP_CALENDAR) if (day >= entry.fromDay) current = entry
  return current
}

/**
 * A paddy water-level sensor: depth from irrigation, rain, evaporation and percolation, outlet
 * overflow; water temperature following the air with a sun-driven daily swing.
 * @example const m = createPaddyModel({ seed: 1 }); m.step(Date.now()) // { water_depth_cm: 6.1, ... }
 */
export function createPaddyModel(opts: PaddyModelOptions): DeviceModel {
  const random = createRandom(opts.seed)
  const clock = createClock(opts.start)
  const health = createDeviceHealth('paddy', random)
  if (opts.demo) {
    const demo = DEMO_PROFILES.paddy
    const phaseS = Math.floor(random.next() * demo.phaseJitterS)
    return {
      kind: 'paddy',
      step(simTimeMs) {
        const dtHours = clock.advance(simTimeMs)
        const tS = (simTimeMs - clock.startMs()) / 1000 + phaseS
        const depth = sampleCycle(demo.waterDepthCm, demo.cycleS, tS) + random.normal(0, demo.depthNoiseSdCm)
        const temp = sampleCycle(demo.waterTempC, demo.cycleS, tS) + random.normal(0, demo.tempNoiseSdC)
        return reading(depth, temp, health.step(dtHours, simTimeMs - clock.startMs()))
      },
    }
  }

  const weatherRain = createRainProcess(random)
  const rainAt = (t: number, hours: number): number =>
    opts.rain ? clamp(opts.rain(t), 0, 250) : weatherRain.step(t, hours)
  const weather = createDrift(random, 1.5, 48)
  let depthCm: number | undefined = opts.initialDepthCm
  let waterTempC: number | undefined
  let inletOpen = false
  return {
    kind: 'paddy',
    step(simTimeMs) {
      const dtHours = clock.advance(simTimeMs)
      if (depthCm === undefined) depthCm = typicalDepth(simTimeMs)
      if (waterTempC === undefined) waterTempC = climateAirTempC(simTimeMs) + 1
      const { count, hours } = substeps(dtHours, MAX_SUBSTEP_HOURS)
      for (let i = 1; i <= count; i++) {
        const t = simTimeMs - (count - i) * hours * HOUR_MS
        const stage = paddyStage(t)
        if (stage.irrigate) {
          if (depthCm < stage.irrigate[0]) inletOpen = true
          else if (depthCm >= stage.irrigate[1]) inletOpen = false
        } else inletOpen = false
        // Explicit Euler: every flux from the depth at the start of the sub-step.
        const head = Math.max(0, depthCm - stage.weirCm)
        const inflowCm = (rainAt(t, hours) / 10 + (inletOpen ? INLET_CM_H : 0)) * hours
        const lossCm = lossCmPerHour(t, depthCm) * hours
        // The outlet never takes the water below the board in one sub-step, whatever its length.
        const spillCm = Math.min(head + inflowCm, WEIR_COEFF * head ** 1.5 * hours)
        depthCm = clamp(depthCm + inflowCm - lossCm - spillCm, SOIL_FLOOR_CM - 2, 60)
        waterTempC = relaxWaterTemp(waterTempC, t, hours, depthCm, weather.step(hours))
      }
      return reading(depthCm, waterTempC, health.step(dtHours, simTimeMs - clock.startMs()))
    },
  }
}

function reading(depthCm: number, tempC: number, health: { battery_v: number; rssi_dbm: number }) {
  return {
    water_depth_cm: sensorValue('paddy', 'water_depth_cm', depthCm, 0.1),
    water_temp_c: sensorValue('paddy', 'water_temp_c', clamp(tempC, -2, 45), 0.1),
    ...health,
  }
}

function typicalDepth(simTimeMs: number): number {
  const band = paddyStage(simTimeMs).irrigate
  return band ? (band[0] + band[1]) / 2 : -2
}

/** Evapotranspiration (sun-driven, up to ~0.6 cm/day in summer) plus percolation, cm/h. */
function lossCmPerHour(simTimeMs: number, depthCm: number): number {
  const summer = (seasonalWave(simTimeMs, 210) + 1) / 2
  const etCmDay = 0.15 + 0.45 * summer
  // sunshine() integrates to about 0.55 × day length over a day, so this spreads etCmDay over daylight.
  const et = (etCmDay * sunshine(simTimeMs)) / (0.55 * dayLengthHours(simTimeMs))
  const loss = PERCOLATION_CM_DAY / 24 + et
  if (depthCm > 0) return loss
  // Below the surface the soil holds the water: drainage slows to nothing at the floor.
  return 0.3 * loss * Math.max(0, (depthCm - SOIL_FLOOR_CM) / -SOIL_FLOOR_CM)
}

/**
 * Water warms in the sun and follows the air at night; shallow water swings more and faster,
 * which is why farmers deepen the water on hot days.
 */
function relaxWaterTemp(tempC: number, t: number, hours: number, depthCm: number, anomalyC: number): number {
  const shallow = clamp((12 - depthCm) / 12, 0, 1)
  const target = climateAirTempC(t) + anomalyC + 1 + (3 + 4 * shallow) * sunshine(t)
  const tauHours = depthCm > 0.5 ? 0.8 + depthCm / 8 : 3
  return target + (tempC - target) * Math.exp(-hours / tauHours)
}
