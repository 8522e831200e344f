import { z } from 'zod'
import { DEVICE_ID_PATTERN, DEVICE_KINDS } from '../../firmware-contracts/index.js'
import { DurationSchema } from './duration.js'
import { SEVERITIES } from './severity.js'

/**
 * The rules file and REST format (docs/alerts.md). One rule per object, discriminated by `type`;
 * an object without `type` is a threshold rule, so first-cut files (ingest/alerts/default-rules.json
 * before issue 4) stay valid.
 */

export const RuleIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case kebab-case, max 64')
export const GroupIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case kebab-case, max 64')
const ParamName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,63}$/, 'camelCase parameter name')
const MetricName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/)
const StageName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'snake_case stage name')
const SeveritySchema = z.enum(SEVERITIES)
const Op = z.enum(['above', 'below'])

const EscalationSchema = z.strictObject({
  /** Contact groups in order: the first is told at once, the next when nobody acknowledged in `afterMs`. */
  groups: z.array(GroupIdSchema).min(1).max(10),
  afterMs: DurationSchema.default(30 * 60_000),
})

/** Levels taken from a site or device parameter (e.g. the spillway crest) plus these offsets. */
const RelativeSchema = z.strictObject({
  param: ParamName,
  threshold: z.number().optional(),
  clear: z.number().optional(),
  target: z.number().optional(),
  onlyAbove: z.number().optional(),
})

/** What a crop stage changes in a rule; `enabled: false` = no alarm in this stage. */
const StageBandSchema = z.strictObject({
  enabled: z.boolean().optional(),
  threshold: z.number().optional(),
  clear: z.number().optional(),
})

/** How a value is shown in messages when its metric unit is not what people read (m/h → cm/h). */
const DisplaySchema = z.strictObject({ unit: z.string().min(1).max(16), factor: z.number().positive() })

const common = {
  id: RuleIdSchema,
  severity: SeveritySchema,
  label: z.string().min(1).max(200),
  labelJa: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  /** What to do, in a sentence, for messages (LINE, email). */
  action: z.string().max(500).optional(),
  actionJa: z.string().max(500).optional(),
  escalation: EscalationSchema.optional(),
}
const deviceRule = { ...common, kind: z.enum(DEVICE_KINDS) }

const ThresholdSpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('threshold'),
  metric: MetricName,
  op: Op,
  /** Raise when the value goes past this level... */
  threshold: z.number(),
  /** ...and clear only once it is back past this one (hysteresis). */
  clear: z.number(),
  /** The value must stay past the threshold this long (by reading time) before the alert is raised. */
  forMs: DurationSchema.default(0),
  /** A gap between readings longer than this restarts the `forMs` clock. Default: `forMs`, at least 15 min. */
  maxGapMs: DurationSchema.optional(),
  relativeTo: RelativeSchema.optional(),
  stages: z.record(StageName, StageBandSchema).optional(),
  display: DisplaySchema.optional(),
})

const BatterySpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('battery'),
  /** Volts: raise below this, clear above `clear`. */
  threshold: z.number().positive(),
  clear: z.number().positive(),
  forMs: DurationSchema.default(3_600_000),
})

const RateSpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('rate'),
  metric: MetricName,
  op: Op,
  /** Rate in metric units per `perMs` (e.g. 0.1 m per hour). */
  threshold: z.number(),
  clear: z.number(),
  /** The rate is the slope of a least-squares line through the readings of this window. */
  windowMs: DurationSchema,
  perMs: DurationSchema.default(3_600_000),
  minPoints: z.number().int().min(2).default(3),
  /** Only when the value itself is at least / at most this (a fast rise matters on a hot rail). */
  onlyAbove: z.number().optional(),
  onlyBelow: z.number().optional(),
  relativeTo: RelativeSchema.optional(),
  stages: z.record(StageName, StageBandSchema).optional(),
  display: DisplaySchema.optional(),
})

const ForecastSpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('forecast'),
  metric: MetricName,
  /** The level whose arrival is forecast (absolute; `relativeTo.target` makes it a site parameter + offset). */
  target: z.number(),
  relativeTo: RelativeSchema.optional(),
  /** Raise when the estimated arrival is within this... */
  warnWithinMs: DurationSchema,
  /** ...clear when it is later than this, or the level stops rising. */
  clearBeyondMs: DurationSchema,
  fitWindowMs: DurationSchema.default(3_600_000),
  minPoints: z.number().int().min(2).default(4),
  /** Slower rises (metric units per hour) are noise, not a forecast. */
  minRisePerHour: z.number().nonnegative().default(0),
  display: DisplaySchema.optional(),
})

const SilenceSpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('silence'),
  /** Raise after this many expected reports did not arrive. */
  missedReports: z.number().int().min(1).max(1000).default(3),
  /** Expected interval until one is configured or learned from the device's own reports. */
  fallbackIntervalMs: DurationSchema,
  /** Learned intervals below this are raised to it (a chatty device must not alarm after seconds). */
  minIntervalMs: DurationSchema.default(60_000),
})

const FaultSpecSchema = z.strictObject({
  ...deviceRule,
  type: z.literal('fault'),
  metric: MetricName,
  /** The same value (within `stuckEpsilon`) this many readings in a row. */
  stuckReadings: z.number().int().min(2).optional(),
  stuckEpsilon: z.number().nonnegative().default(0),
  /** Count as stuck only while this other metric moved by `minRange` (air temperature for a rail probe). */
  stuckCompanion: z.strictObject({ metric: MetricName, minRange: z.number().positive() }).optional(),
  /** A change larger than this between readings at most `maxJumpWithinMs` apart is impossible. */
  maxJump: z.number().positive().optional(),
  maxJumpWithinMs: DurationSchema.default(3_600_000),
  /** Values ingest refused as outside the sensor range count as faults too. */
  outOfRange: z.boolean().default(true),
  /** Plausible readings in a row before the fault clears. */
  clearAfterReadings: z.number().int().min(1).default(3),
})

const GatewaySpecSchema = z.strictObject({
  ...common,
  type: z.literal('gateway'),
  /** A gateway offline this long (a reconnect is not an incident) raises one incident for its devices. */
  graceMs: DurationSchema.default(120_000),
  /** Without an offline status, this many silent devices of one gateway make it an incident. */
  minSilentDevices: z.number().int().min(1).default(2),
})

const hysteresisOk = (r: { op: 'above' | 'below'; threshold: number; clear: number }) =>
  r.op === 'above' ? r.clear <= r.threshold : r.clear >= r.threshold
const HYSTERESIS = {
  message: 'the clear level must lie on the safe side of the threshold (hysteresis)',
  path: ['clear'],
}

const RuleUnion = z.discriminatedUnion('type', [
  ThresholdSpecSchema,
  BatterySpecSchema,
  RateSpecSchema,
  ForecastSpecSchema,
  SilenceSpecSchema,
  FaultSpecSchema,
  GatewaySpecSchema,
])

export const RuleSpecSchema = z.preprocess(
  (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && !('type' in value)
      ? { ...value, type: 'threshold' }
      : value,
  RuleUnion.superRefine((rule, ctx) => {
    if ((rule.type === 'threshold' || rule.type === 'rate') && !hysteresisOk(rule))
      ctx.addIssue({ code: 'custom', ...HYSTERESIS })
    if (rule.type === 'battery' && rule.clear < rule.threshold)
      ctx.addIssue({ code: 'custom', ...HYSTERESIS })
    if (rule.type === 'forecast' && rule.clearBeyondMs < rule.warnWithinMs)
      ctx.addIssue({
        code: 'custom',
        message: 'clearBeyondMs must not be shorter than warnWithinMs',
        path: ['clearBeyondMs'],
      })
    if (
      rule.type === 'fault' &&
      rule.stuckReadings === undefined &&
      rule.maxJump === undefined &&
      !rule.outOfRange
    )
      ctx.addIssue({
        code: 'custom',
        message: 'a fault rule needs stuckReadings, maxJump or outOfRange',
        path: ['type'],
      })
  }),
)

/** The rule shapes without the `type` default, for documentation (OpenAPI). */
export const RuleSpecDocSchema = RuleUnion

export type RuleSpec = z.output<typeof RuleUnion>
export type RuleSpecInput = z.input<typeof RuleUnion>
export type RuleType = RuleSpec['type']
export type ThresholdSpec = z.output<typeof ThresholdSpecSchema>
export type BatterySpec = z.output<typeof BatterySpecSchema>
export type RateSpec = z.output<typeof RateSpecSchema>
export type ForecastSpec = z.output<typeof ForecastSpecSchema>
export type SilenceSpec = z.output<typeof SilenceSpecSchema>
export type FaultSpec = z.output<typeof FaultSpecSchema>
export type GatewaySpec = z.output<typeof GatewaySpecSchema>
export type DeviceRuleSpec = Exclude<RuleSpec, GatewaySpec>

/** What a site or device setting may change in one rule; the result is validated as a whole rule again. */
export const RulePatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  severity: SeveritySchema.optional(),
  threshold: z.number().optional(),
  clear: z.number().optional(),
  target: z.number().optional(),
  forMs: DurationSchema.optional(),
  maxGapMs: DurationSchema.optional(),
  windowMs: DurationSchema.optional(),
  warnWithinMs: DurationSchema.optional(),
  clearBeyondMs: DurationSchema.optional(),
  missedReports: z.number().int().min(1).max(1000).optional(),
  fallbackIntervalMs: DurationSchema.optional(),
  stuckReadings: z.number().int().min(2).optional(),
  maxJump: z.number().positive().optional(),
  onlyAbove: z.number().optional(),
  stages: z.record(StageName, StageBandSchema).optional(),
  escalation: EscalationSchema.optional(),
})
export type RulePatch = z.output<typeof RulePatchSchema>

/** `2026-07-05` (read as Japan time, UTC+9) or a full RFC 3339 time. */
const DateSchema = z.union([
  z.iso.date().transform((d) => Date.parse(`${d}T00:00:00+09:00`)),
  z.iso.datetime({ offset: true }).transform((d) => Date.parse(d)),
])

/** Crop stages of one paddy for one season: each stage runs from its date to the next one's. */
export const CropCalendarSchema = z
  .strictObject({
    stages: z
      .array(z.strictObject({ stage: StageName, from: DateSchema }))
      .min(1)
      .max(20),
    /** Harvest: after it (and before the first stage) the paddy is `fallow`. */
    end: DateSchema,
    /**
     * Filling or draining a paddy takes hours: for this long after a stage begins, a level only
     * alarms if it would under both the old and the new stage's band.
     */
    transitionMs: DurationSchema.default(86_400_000),
  })
  .refine(
    (c) =>
      c.stages.every((s, i) => i === 0 || s.from > (c.stages[i - 1]?.from ?? 0)) &&
      c.end > (c.stages.at(-1)?.from ?? 0),
    { message: 'stage dates must increase and end after the last stage' },
  )
export type CropCalendar = z.output<typeof CropCalendarSchema>

/**
 * Settings of one site or one device: parameters the rules refer to (normal full water level,
 * spillway crest, rail watch/action lines), the expected report interval, a paddy's crop calendar,
 * and per-rule changes. A device's settings override its site's.
 */
export const AlertSettingsSchema = z.strictObject({
  params: z.record(ParamName, z.number()).optional(),
  expectedIntervalMs: DurationSchema.optional(),
  cropCalendar: CropCalendarSchema.optional(),
  /** The camera whose image is evidence for this site's/device's alerts, when it is another device. */
  cameraDeviceId: z.string().regex(DEVICE_ID_PATTERN).optional(),
  rules: z.record(RuleIdSchema, RulePatchSchema).optional(),
})
export type AlertSettings = z.output<typeof AlertSettingsSchema>
