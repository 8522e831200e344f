import { z } from 'zod'
import { DEVICE_ID_PATTERN, KIND_METRICS, MAX_TS_MS, MIN_TS_MS } from '../../firmware-contracts/index.js'
import { parseSpan } from '../duration.js'

/**
 * The scenario file format (`simulators/scenarios/*.json`). Times inside a scenario are offsets
 * from its start written as durations (`90s`, `10m`, `36h`, `2d`, `1h30m`); they parse to ms.
 */

const DURATION_HINT = 'use a duration such as 90s, 10m, 36h, 2d or 1h30m'

const Span = z.string().transform((text, ctx) => {
  const ms = parseSpan(text)
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: ${DURATION_HINT}` })
    return z.NEVER
  }
  return ms
})
const Offset = Span.refine((ms) => ms >= 0, 'must not be negative')
const PositiveSpan = Span.refine((ms) => ms > 0, 'must be longer than 0')

/** RFC 3339; without an offset the time is read as Japan time (Asia/Tokyo, UTC+9, no DST). */
const StartTime = z.string().transform((text, ctx) => {
  const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text)
  const ms = match ? Date.parse(match[1] ? text : `${text}+09:00`) : Number.NaN
  if (!Number.isFinite(ms) || ms < MIN_TS_MS || ms > MAX_TS_MS) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a time: use e.g. 2026-09-15T18:00 (JST)` })
    return z.NEVER
  }
  return ms
})

/** `[[offset, value], …]`, linear in between, the first / last value before / after. */
const Keyframes = (min: number, max: number) =>
  z
    .array(z.tuple([Offset, z.number().min(min).max(max)]))
    .min(1)
    .superRefine((frames, ctx) => {
      for (let i = 1; i < frames.length; i++) {
        if ((frames[i]?.[0] ?? 0) <= (frames[i - 1]?.[0] ?? 0)) {
          ctx.addIssue({ code: 'custom', message: 'offsets must increase', path: [i, 0] })
        }
      }
    })
export type KeyframeList = Array<[number, number]>

/** Weather that replaces the models' random weather; each series is optional. */
const ForcingSchema = z.strictObject({
  /** Rain in mm/h for paddies and reservoirs (replaces their random rain). */
  rainMmH: Keyframes(0, 250).optional(),
  /** °C added to the outside air at the rails (a heatwave). */
  airTempOffsetC: Keyframes(-30, 30).optional(),
  /** Cloud cover 0 (clear) .. 1 (overcast) at the rails. */
  cloudCover: Keyframes(0, 1).optional(),
})
export type Forcing = z.output<typeof ForcingSchema>

const DeviceSuffix = z
  .string()
  .regex(
    DEVICE_ID_PATTERN,
    'device ids use letters, digits, - and _ (max 64), starting with a letter or digit',
  )
const Seed = z.number().int().optional()
const deviceBase = {
  /** The device id (after the optional prefix given when running, e.g. `--id-prefix test-`). */
  id: DeviceSuffix,
  /** Overrides the scenario's report interval for this device. */
  interval: PositiveSpan.optional(),
  /** Merged over the scenario's forcing, series by series. */
  forcing: ForcingSchema.optional(),
}

const DeviceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...deviceBase,
    kind: z.literal('paddy'),
    model: z.strictObject({ seed: Seed, initialDepthCm: z.number().min(-10).max(60).optional() }).default({}),
  }),
  z.strictObject({
    ...deviceBase,
    kind: z.literal('reservoir'),
    model: z
      .strictObject({
        seed: Seed,
        initialLevelM: z.number().min(0).max(200).optional(),
        shape: z
          .strictObject({
            crestM: z.number().positive().optional(),
            managedLevelM: z.number().positive().optional(),
            releaseMH: z.number().min(0).optional(),
            catchmentRatio: z.number().positive().optional(),
            runoffCoeff: z.number().min(0).max(1).optional(),
          })
          .optional(),
      })
      .default({}),
    /** A surveillance camera at the station: one JPEG per `interval` on the image topic. */
    camera: z.strictObject({ interval: PositiveSpan }).optional(),
  }),
  z.strictObject({
    ...deviceBase,
    kind: z.literal('rail'),
    model: z
      .strictObject({
        seed: Seed,
        sunExposure: z.number().min(0).max(1).optional(),
        summerGainC: z.number().min(0).max(40).optional(),
      })
      .default({}),
  }),
])
export type ScenarioDeviceSpec = z.output<typeof DeviceSchema>

const Probability = z.number().min(0).max(1)
const faultBase = {
  device: DeviceSuffix,
  /** Offsets from the scenario start: the fault acts on readings measured in [from, to). */
  from: Offset,
  to: Offset,
}
const Metrics = z.array(z.string()).min(1).optional()

export const FaultSchema = z.discriminatedUnion('type', [
  /** The value freezes at what it read when the fault began. */
  z.strictObject({ ...faultBase, type: z.literal('stuck'), metrics: Metrics }),
  /** The value drifts away from the truth by `perHour` per hour since the fault began. */
  z.strictObject({ ...faultBase, type: z.literal('drift'), metrics: Metrics, perHour: z.number() }),
  /** Each reading jumps by ±`magnitude` with `probability` (clamped to the sensor range). */
  z.strictObject({
    ...faultBase,
    type: z.literal('spikes'),
    metrics: Metrics,
    probability: Probability,
    magnitude: z.number().positive(),
    direction: z.enum(['up', 'down', 'both']).default('both'),
  }),
  /** Readings are measured (seq advances) but never sent: a silent device. */
  z.strictObject({ ...faultBase, type: z.literal('dropout') }),
  /** `battery_v` falls `vPerHour`; below `cutoffV` the logger browns out and stops sending. */
  z.strictObject({
    ...faultBase,
    type: z.literal('battery-drain'),
    vPerHour: z.number().positive(),
    cutoffV: z.number().min(0).optional(),
  }),
  /** The device clock is off: `ts` = true time + `skew` (e.g. "-10m", "2h"). */
  z.strictObject({ ...faultBase, type: z.literal('clock-skew'), skew: Span }),
  /** The same message (same seq and ts) is published twice. */
  z.strictObject({ ...faultBase, type: z.literal('duplicate'), probability: Probability.default(1) }),
  /** The payload is broken: invalid JSON or schema-breaking (see faults.ts for the variants). */
  z.strictObject({ ...faultBase, type: z.literal('malformed'), probability: Probability.default(1) }),
  /**
   * The uplink is down: readings are kept and, with `backfill`, sent as `{ "batch": [...] }`
   * payloads with their original ts when it returns (as the edge gateway does); otherwise lost.
   */
  z.strictObject({ ...faultBase, type: z.literal('outage'), backfill: z.boolean().default(true) }),
])
export type FaultSpec = z.output<typeof FaultSchema>
export type FaultType = FaultSpec['type']

const ExpectedAlertSchema = z.strictObject({
  device: DeviceSuffix,
  /** An alert rule id, e.g. `reservoir-level-high` (see ingest/alerts/default-rules.json). */
  rule: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'rule ids are lower-case kebab-case'),
  severity: z.enum(['info', 'watch', 'warning', 'critical']),
  /** The alert is raised by a reading measured in [after, before] (offsets from the start). */
  after: Offset,
  before: Offset,
  /** Raised by backfilled readings: recorded as historical, not pushed as new. */
  late: z.boolean().optional(),
  note: z.string().optional(),
})
export type ExpectedAlert = z.output<typeof ExpectedAlertSchema>

/** At most this many readings per scenario, so a typo (`interval: "1s"` over a year) fails fast. */
export const MAX_SCENARIO_READINGS = 2_000_000

export const ScenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'names are lower-case kebab-case'),
    description: z.strictObject({ ja: z.string().min(1), en: z.string().min(1) }),
    /** Simulated start, e.g. `2026-09-15T18:00` (JST) or with an explicit offset. */
    start: StartTime,
    duration: PositiveSpan,
    /** Simulated time per wall time: 60 = one simulated minute per second. */
    timeScale: z.number().positive().max(1e9),
    /** Report interval in simulated time. */
    interval: PositiveSpan,
    seed: z.number().int().default(1),
    forcing: ForcingSchema.default({}),
    devices: z.array(DeviceSchema).min(1).max(1000),
    faults: z.array(FaultSchema).default([]),
    expectedAlerts: z.array(ExpectedAlertSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    const kinds = new Map<string, ScenarioDeviceSpec>()
    s.devices.forEach((d, i) => {
      if (kinds.has(d.id)) issue(['devices', i, 'id'], `device "${d.id}" is listed twice`)
      kinds.set(d.id, d)
      if ((d.interval ?? s.interval) > s.duration)
        issue(['devices', i, 'interval'], 'longer than the duration')
    })
    if (s.interval > s.duration) issue(['interval'], 'longer than the duration')
    const readings = s.devices.reduce((n, d) => n + s.duration / (d.interval ?? s.interval), 0)
    if (readings > MAX_SCENARIO_READINGS) {
      issue(['interval'], `${Math.round(readings)} readings; at most ${MAX_SCENARIO_READINGS} per scenario`)
    }
    const known = (path: PropertyKey[], id: string) => {
      const d = kinds.get(id)
      if (!d) issue(path, `no device "${id}" in devices (${[...kinds.keys()].join(', ')})`)
      return d
    }
    s.faults.forEach((f, i) => {
      const d = known(['faults', i, 'device'], f.device)
      if (f.to <= f.from) issue(['faults', i, 'to'], 'must come after "from"')
      if (f.from >= s.duration) issue(['faults', i, 'from'], 'after the end of the scenario')
      if (d && 'metrics' in f) {
        f.metrics?.forEach((m, j) => {
          if (!Object.hasOwn(KIND_METRICS[d.kind], m)) {
            issue(['faults', i, 'metrics', j], `${d.kind} devices have no metric "${m}"`)
          }
        })
      }
    })
    s.expectedAlerts.forEach((a, i) => {
      known(['expectedAlerts', i, 'device'], a.device)
      if (a.before <= a.after) issue(['expectedAlerts', i, 'before'], 'must come after "after"')
    })
  })

/** A scenario as written in the file. */
export type ScenarioInput = z.input<typeof ScenarioSchema>
/** A validated scenario: every time in epoch ms (start) or ms (offsets, durations). */
export type Scenario = z.output<typeof ScenarioSchema>

/** Thrown for a scenario that cannot be used; the message names the file and the field. */
export class ScenarioError extends Error {
  readonly code = 'scenario_invalid'
}

/**
 * Validates a parsed scenario file; throws a `ScenarioError` whose message names each bad field.
 * @example parseScenario(JSON.parse(text), 'typhoon.json').devices[0].id
 */
export function parseScenario(value: unknown, source: string): Scenario {
  const result = ScenarioSchema.safeParse(value)
  if (result.success) return result.data
  throw new ScenarioError(`scenario ${source} is invalid:\n${z.prettifyError(result.error)}`, {
    cause: result.error,
  })
}
