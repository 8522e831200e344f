import type { Random } from '../random.js'
import { localMonth } from './calendar.js'
import { createDrift } from './model.js'

/**
 * Rain climate by month (JST), Pacific side of Japan: the rainy season (tsuyu) in June–July,
 * convective downpours in August, typhoons in September. About 1,500–1,800 mm a year, as in Tokyo or Nagoya.
 * `eventsPerDay`: how often a rain spell starts; `medianMmH`: its typical intensity.
 */
const RAIN_CLIMATE: ReadonlyArray<{ eventsPerDay: number; medianMmH: number }> = [
  { eventsPerDay: 0.16, medianMmH: 0.8 }, // Jan
  { eventsPerDay: 0.2, medianMmH: 1.0 },
  { eventsPerDay: 0.33, medianMmH: 1.2 },
  { eventsPerDay: 0.36, medianMmH: 1.5 },
  { eventsPerDay: 0.39, medianMmH: 1.5 },
  { eventsPerDay: 0.59, medianMmH: 2.0 }, // Jun, tsuyu
  { eventsPerDay: 0.52, medianMmH: 2.5 },
  { eventsPerDay: 0.33, medianMmH: 3.5 }, // Aug, thunderstorms
  { eventsPerDay: 0.45, medianMmH: 3.5 }, // Sep, typhoons
  { eventsPerDay: 0.39, medianMmH: 2.0 },
  { eventsPerDay: 0.26, medianMmH: 1.2 },
  { eventsPerDay: 0.16, medianMmH: 0.8 }, // Dec
]
/** A spell lasts 4 h on average (exponential). */
const MEAN_SPELL_HOURS = 4
/** Spread of spell intensity (log-normal): a few spells a year reach tens of mm/h. */
const SPELL_LOG_SD = 0.9
/** Light rain below this is not registered by a 0.5 mm tipping bucket. */
const MIN_RAIN_MM_H = 0.2
const MAX_RAIN_MM_H = 250

/**
 * A two-state (dry / raining) weather process; while raining the intensity wanders around the
 * spell's own level. Returns rain in mm/h.
 */
export function createRainProcess(random: Random): { step(simTimeMs: number, dtHours: number): number } {
  let raining = false
  let spellMmH = 0
  const gust = createDrift(random, 0.5, 0.75)
  return {
    step(simTimeMs, dtHours) {
      if (dtHours <= 0) return raining ? current() : 0
      const climate = RAIN_CLIMATE[localMonth(simTimeMs)] ?? { eventsPerDay: 0.26, medianMmH: 1.5 }
      if (raining) {
        if (random.next() < 1 - Math.exp(-dtHours / MEAN_SPELL_HOURS)) raining = false
      } else if (random.next() < 1 - Math.exp((-climate.eventsPerDay * dtHours) / 24)) {
        raining = true
        spellMmH = climate.medianMmH * Math.exp(random.normal(0, SPELL_LOG_SD))
      }
      gust.step(dtHours)
      return raining ? current() : 0
    },
  }

  function current(): number {
    const mmH = spellMmH * Math.exp(gust.value())
    return mmH < MIN_RAIN_MM_H ? 0 : Math.min(MAX_RAIN_MM_H, mmH)
  }
}
