import type { DeviceKind } from '../../firmware-contracts/index.js'
import type { Random } from '../random.js'
import { DAY_MS } from './calendar.js'
import { createDrift, sensorValue } from './model.js'

export interface BatterySpec {
  /** Voltage of a fresh battery. */
  fullV: number
  /** Linear drain per day of simulated time. */
  drainVPerDay: number
  /** Where the discharge curve flattens out before the logger browns out. */
  emptyV: number
}

/**
 * Field loggers: paddy and rail probes run on a 3.6 V lithium pack that lasts about a year;
 * reservoir stations have a 12 V lead battery (with a small solar panel, so it drains slowly).
 */
export const BATTERY_BY_KIND: Record<DeviceKind, BatterySpec> = {
  paddy: { fullV: 3.65, drainVPerDay: 0.0015, emptyV: 3.0 },
  reservoir: { fullV: 12.8, drainVPerDay: 0.003, emptyV: 11.2 },
  rail: { fullV: 3.65, drainVPerDay: 0.0015, emptyV: 3.0 },
}

/**
 * Battery and radio: `battery_v` drains slowly from the model's start, `rssi_dbm` fades around a
 * per-device level (where the sensor sits decides most of it) with a little fast noise.
 */
export function createDeviceHealth(
  kind: DeviceKind,
  random: Random,
): { step(dtHours: number, elapsedMs: number): { battery_v: number; rssi_dbm: number } } {
  const battery = BATTERY_BY_KIND[kind]
  const baseRssi = -70 - 30 * random.next()
  const fading = createDrift(random, 3, 0.5)
  return {
    step(dtHours, elapsedMs) {
      const days = Math.max(0, elapsedMs) / DAY_MS
      const volts = Math.max(battery.emptyV, battery.fullV - battery.drainVPerDay * days)
      const rssi = baseRssi + fading.step(dtHours) + random.normal(0, 1.5)
      return {
        battery_v: sensorValue(kind, 'battery_v', volts + random.normal(0, 0.004), 0.01),
        rssi_dbm: sensorValue(kind, 'rssi_dbm', rssi, 1),
      }
    },
  }
}
