/**
 * Clock and sun for a city in Japan (JST, UTC+9, about 35–38° N). The models take epoch ms and
 * need local time of day and season; Japan has no daylight saving, so a fixed offset is exact.
 */

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
const JST_OFFSET_MS = 9 * HOUR_MS
const DAYS_PER_YEAR = 365.25
/** Day of year (0-based) of the June solstice, for day length. */
const SOLSTICE_DAY = 171

/** Local (JST) hour of day, fractional, in [0, 24). @example localHour(Date.UTC(2026, 6, 1, 3)) // 12 */
export function localHour(ms: number): number {
  const h = ((ms + JST_OFFSET_MS) / HOUR_MS) % 24
  return h < 0 ? h + 24 : h
}

/** Local (JST) day of year, fractional, 0 at 1 January 00:00. */
export function dayOfYear(ms: number): number {
  const local = ms + JST_OFFSET_MS
  const yearStart = Date.UTC(new Date(local).getUTCFullYear(), 0, 1)
  return (local - yearStart) / DAY_MS
}

/** Local (JST) month, 0 = January. */
export function localMonth(ms: number): number {
  return new Date(ms + JST_OFFSET_MS).getUTCMonth()
}

/**
 * A yearly cosine: 1 on `peakDay`, -1 half a year later. Seasons lag the sun in Japan: air is
 * warmest around day 210 (late July / early August), coldest in late January.
 */
export function seasonalWave(ms: number, peakDay: number): number {
  return Math.cos((2 * Math.PI * (dayOfYear(ms) - peakDay)) / DAYS_PER_YEAR)
}

/** Hours of daylight: about 14.6 h at the June solstice and 9.8 h in December at ~36° N. */
export function dayLengthHours(ms: number): number {
  return 12.2 + 2.4 * seasonalWave(ms, SOLSTICE_DAY)
}

/**
 * Relative strength of sunshine in [0, 1]: 0 at night, a sine arch over the day centred on
 * 11:45 JST (solar noon for central Japan), lower in winter because the sun stays low.
 */
export function sunshine(ms: number): number {
  const length = dayLengthHours(ms)
  const sunrise = 11.75 - length / 2
  const x = (localHour(ms) - sunrise) / length
  if (x <= 0 || x >= 1) return 0
  const elevation = 0.6 + 0.4 * seasonalWave(ms, SOLSTICE_DAY)
  return Math.sin(Math.PI * x) * elevation
}

/**
 * Typical air temperature for the time (no weather): 16 °C yearly mean, ±10.5 °C by season,
 * ±4 °C by day with the minimum near dawn and the maximum around 14:30.
 */
export function climateAirTempC(ms: number): number {
  const seasonal = 16 + 10.5 * seasonalWave(ms, 210)
  const diurnal = 4 * Math.cos((2 * Math.PI * (localHour(ms) - 14.5)) / 24)
  return seasonal + diurnal
}
