import { describe, expect, it } from 'vitest'
import {
  formatAxisTime,
  formatClock,
  formatMoment,
  formatValue,
  kindLabel,
  metricLabel,
  toEpochMs,
} from './format.js'
import { createTranslator } from './i18n/translate.js'

// 2025-07-01 00:05:09 UTC = 09:05:09 in Tokyo.
const T0 = Date.UTC(2025, 6, 1, 0, 5, 9)

describe('formatValue', () => {
  it('adds the unit of the contract with decimals that fit the sensor', () => {
    expect(formatValue('water_depth_cm', 12.345, 'ja')).toBe('12.3 cm')
    expect(formatValue('water_level_m', 8.1, 'en')).toBe('8.10 m')
    expect(formatValue('rail_temp_c', 51, 'ja')).toBe('51.0 °C')
    expect(formatValue('rssi_dbm', -81.6, 'en')).toBe('-82 dBm')
    expect(formatValue('battery_v', 3.6, 'en')).toBe('3.60 V')
  })

  it('shows a dash for a missing or non-finite value instead of NaN', () => {
    expect(formatValue('water_depth_cm', undefined, 'ja')).toBe('—')
    expect(formatValue('water_depth_cm', null, 'ja')).toBe('—')
    expect(formatValue('water_depth_cm', Number.NaN, 'ja')).toBe('—')
  })

  it('groups thousands in large numbers', () => {
    expect(formatValue('counter_total', 12345.678, 'en')).toBe('12,345.68')
  })
})

describe('time in Asia/Tokyo', () => {
  it('formats the clock in Tokyo whatever the machine zone', () => {
    expect(formatClock(T0)).toBe('09:05')
  })

  it('shows seconds today, a date this year and the year before that', () => {
    expect(formatMoment(T0, T0 + 60_000)).toBe('09:05:09')
    expect(formatMoment(T0, T0 + 3 * 86_400_000)).toBe('7/1 09:05')
    expect(formatMoment(T0, Date.UTC(2026, 0, 2))).toBe('2025/7/1 09:05')
    expect(formatMoment(null, T0)).toBe('—')
  })

  it('writes dates unambiguously in English (day before month name)', () => {
    expect(formatMoment(T0, T0 + 3 * 86_400_000, 'en')).toBe('1 Jul 09:05')
    expect(formatMoment(T0, Date.UTC(2026, 0, 2), 'en')).toBe('1 Jul 2025 09:05')
  })

  it('treats the day boundary in Tokyo, not UTC', () => {
    // 15:30 UTC on 30 June is 00:30 on 1 July in Tokyo: the same Tokyo day as T0.
    expect(formatMoment(Date.UTC(2025, 5, 30, 15, 30), T0)).toBe('00:30:00')
  })
})

describe('toEpochMs', () => {
  it('accepts epoch ms, numeric strings and ISO strings', () => {
    expect(toEpochMs(T0)).toBe(T0)
    expect(toEpochMs(String(T0))).toBe(T0)
    expect(toEpochMs(new Date(T0).toISOString())).toBe(T0)
    expect(toEpochMs(null)).toBeNull()
    expect(toEpochMs('not a date')).toBeNull()
  })
})

describe('labels', () => {
  it('localises known metrics and kinds and passes unknown ones through', () => {
    const t = createTranslator('ja')
    expect(metricLabel('water_depth_cm', t)).toBe('水深')
    expect(metricLabel('soil_ph', t)).toBe('soil_ph')
    expect(kindLabel('reservoir', createTranslator('en'))).toBe('Reservoir')
    expect(kindLabel('weather', t)).toBe('weather')
  })
})

describe('axis times', () => {
  it('shows the clock within a day, then dates, then months, in Tokyo time', () => {
    const ms = Date.UTC(2025, 6, 1, 0, 5)
    expect(formatAxisTime(ms, 6 * 3_600_000)).toBe('09:05')
    expect(formatAxisTime(ms, 7 * 86_400_000, 'ja')).toBe('7/1')
    expect(formatAxisTime(ms, 7 * 86_400_000, 'en')).toBe('1 Jul')
    expect(formatAxisTime(ms, 365 * 86_400_000, 'ja')).toBe('2025/7')
  })
})
