import { createRandom } from '../random.js'
import { climateAirTempC, HOUR_MS, seasonalWave, sunshine } from './calendar.js'
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

/** Extra heat a rail in full sun gains over the air: ~7 °C in winter up to ~18 °C in midsummer. */
const SOLAR_GAIN_WINTER_C = 7
const SOLAR_GAIN_SUMMER_C = 18
/** On clear nights steel radiates below the air temperature. */
const NIGHT_RADIATIVE_COOLING_C = 1.5
/** A 60 kg/m rail follows its target temperature with about this lag. */
const RAIL_LAG_HOURS = 0.4
/** Tunnels sit near the annual mean, damped and slow, warmed a little by passing trains. */
const TUNNEL_MEAN_C = 18
const MAX_SUBSTEP_HOURS = 1 / 12

export type RailModelOptions = ModelOptions & {
  /**
   * 1 = open track in full sun (elevated or at-grade sections), 0 = tunnel. Subway lines have
   * both; the sun-exposed sections are the ones that buckle.
   */
  sunExposure?: number
  /**
   * Extra heat over the air in full midsummer sun, °C (default 18). A dark, worn rail on an
   * elevated steel deck in calm air runs hotter: 22–26 °C over the air is measured on such sections.
   */
  summerGainC?: number
  /** Added to the outside air, °C, e.g. a heatwave in a scenario (tunnels feel it by their exposure). */
  airOffsetC?: (simTimeMs: number) => number
  /** Cloud cover in [0, 1] instead of the random weather, e.g. clear skies through a heatwave. */
  cloudCover?: (simTimeMs: number) => number
}

/**
 * A rail thermometer: ambient air from season, time of day and drifting weather; the rail
 * follows the air plus solar gain scaled by sunshine and cloud cover, with thermal lag.
 * @example const m = createRailModel({ seed: 3 }); m.step(Date.now()) // { rail_temp_c: 41.2, ambient_temp_c: 31.0, ... }
 */
export function createRailModel(opts: RailModelOptions): DeviceModel {
  const random = createRandom(opts.seed)
  const clock = createClock(opts.start)
  const health = createDeviceHealth('rail', random)
  if (opts.demo) {
    const demo = DEMO_PROFILES.rail
    const phaseS = Math.floor(random.next() * demo.phaseJitterS)
    return {
      kind: 'rail',
      step(simTimeMs) {
        const dtHours = clock.advance(simTimeMs)
        const tS = (simTimeMs - clock.startMs()) / 1000 + phaseS
        const rail = sampleCycle(demo.railTempC, demo.cycleS, tS) + random.normal(0, demo.railNoiseSdC)
        const ambient = sampleCycle(demo.ambientC, demo.cycleS, tS) + random.normal(0, demo.ambientNoiseSdC)
        return reading(rail, ambient, health.step(dtHours, simTimeMs - clock.startMs()))
      },
    }
  }

  const exposure = clamp(opts.sunExposure ?? 1, 0, 1)
  const summerGainC = opts.summerGainC ?? SOLAR_GAIN_SUMMER_C
  const weather = createDrift(random, 2, 36)
  // Cloud cover in [0, 1] from a drifting value through a logistic curve: spells of clear and overcast days.
  const cloudDrift = createDrift(random, 1.6, 10)
  const offset = (t: number): number => (opts.airOffsetC ? opts.airOffsetC(t) * exposure : 0)
  const cover = (t: number, drift: number): number =>
    opts.cloudCover ? clamp(opts.cloudCover(t), 0, 1) : cloud(drift)
  let railC: number | undefined
  let ambientC = 0
  return {
    kind: 'rail',
    step(simTimeMs) {
      const dtHours = clock.advance(simTimeMs)
      const { count, hours } = substeps(dtHours, MAX_SUBSTEP_HOURS)
      if (railC === undefined || count === 0) {
        ambientC = airTemp(simTimeMs, exposure, weather.value()) + offset(simTimeMs)
        railC ??= ambientC + gain(simTimeMs, cover(simTimeMs, cloudDrift.value()), summerGainC) * exposure
      }
      for (let i = 1; i <= count; i++) {
        const t = simTimeMs - (count - i) * hours * HOUR_MS
        ambientC = airTemp(t, exposure, weather.step(hours)) + offset(t)
        const target = ambientC + gain(t, cover(t, cloudDrift.step(hours)), summerGainC) * exposure
        railC = target + (railC - target) * Math.exp(-hours / RAIL_LAG_HOURS)
      }
      return reading(
        railC,
        ambientC + random.normal(0, 0.1),
        health.step(dtHours, simTimeMs - clock.startMs()),
      )
    },
  }
}

function reading(railC: number, ambientC: number, health: { battery_v: number; rssi_dbm: number }) {
  return {
    rail_temp_c: sensorValue('rail', 'rail_temp_c', railC, 0.1),
    ambient_temp_c: sensorValue('rail', 'ambient_temp_c', ambientC, 0.1),
    ...health,
  }
}

function cloud(drift: number): number {
  return 1 / (1 + Math.exp(-drift))
}

/** Air at the rail: the local climate and weather outside, blended toward a steady tunnel climate. */
function airTemp(t: number, exposure: number, anomalyC: number): number {
  const outside = climateAirTempC(t) + anomalyC
  const tunnel = TUNNEL_MEAN_C + 4 * seasonalWave(t, 230)
  return exposure * outside + (1 - exposure) * tunnel
}

/** Solar gain over the air now: full sun at noon in summer gives the top of the 10–20 °C range. */
function gain(t: number, cloudCover: number, summerGainC: number): number {
  const summer = (seasonalWave(t, 200) + 1) / 2
  const peak = SOLAR_GAIN_WINTER_C + (summerGainC - SOLAR_GAIN_WINTER_C) * summer
  const sun = sunshine(t)
  if (sun > 0) return peak * sun * (1 - 0.8 * cloudCover)
  return -NIGHT_RADIATIVE_COOLING_C * (1 - cloudCover)
}
