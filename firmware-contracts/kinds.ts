/** Device kinds, their metrics, units (in the metric name) and the physical range of each sensor. */

export const DEVICE_KINDS = ['paddy', 'reservoir', 'rail'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

export interface MetricSpec {
  unit: string
  /** Values outside [min, max] are impossible for this sensor and are rejected per metric. */
  min: number
  max: number
  description: string
}

const COMMON_METRICS: Record<string, MetricSpec> = {
  battery_v: { unit: 'V', min: 0, max: 15, description: 'Supply / battery voltage' },
  rssi_dbm: { unit: 'dBm', min: -150, max: 0, description: 'Radio signal strength' },
}

/**
 * Metric sets per kind. Ranges are those of typical field sensors (pressure / ultrasonic level
 * gauges, PT100 or thermistor rail probes), wide enough for any real reading.
 */
export const KIND_METRICS: Record<DeviceKind, Record<string, MetricSpec>> = {
  paddy: {
    water_depth_cm: { unit: 'cm', min: -10, max: 100, description: 'Water depth above the soil surface' },
    water_temp_c: { unit: '°C', min: -10, max: 50, description: 'Paddy water temperature' },
    ...COMMON_METRICS,
  },
  reservoir: {
    water_level_m: { unit: 'm', min: -5, max: 200, description: 'Water level above the gauge datum' },
    rain_mm_h: { unit: 'mm/h', min: 0, max: 300, description: 'Rainfall intensity' },
    ...COMMON_METRICS,
  },
  rail: {
    rail_temp_c: { unit: '°C', min: -40, max: 90, description: 'Rail temperature' },
    ambient_temp_c: { unit: '°C', min: -40, max: 60, description: 'Air temperature at the rail' },
    ...COMMON_METRICS,
  },
}

export function isDeviceKind(value: string): value is DeviceKind {
  return (DEVICE_KINDS as readonly string[]).includes(value)
}

/** The spec of a known metric of this kind, or undefined for an unknown (kept, flagged) metric. */
export function metricSpec(kind: DeviceKind, metric: string): MetricSpec | undefined {
  return Object.hasOwn(KIND_METRICS[kind], metric) ? KIND_METRICS[kind][metric] : undefined
}

/** Unit of a metric name by its suffix, for metrics no kind declares. @example unitOf('foo_cm') // 'cm' */
export function unitOf(metric: string): string {
  for (const specs of Object.values(KIND_METRICS)) {
    if (Object.hasOwn(specs, metric)) return (specs[metric] as MetricSpec).unit
  }
  const suffix = metric.slice(metric.lastIndexOf('_') + 1)
  return { cm: 'cm', m: 'm', c: '°C', v: 'V', dbm: 'dBm', h: '/h' }[suffix] ?? ''
}

/** The metric a chart or list shows first for each kind. */
export const PRIMARY_METRIC: Record<DeviceKind, string> = {
  paddy: 'water_depth_cm',
  reservoir: 'water_level_m',
  rail: 'rail_temp_c',
}
