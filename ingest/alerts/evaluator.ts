import { type Levels, levelsAt } from './resolve.js'
import type { BatterySpec, CropCalendar, DeviceRuleSpec, ThresholdSpec } from './rule-spec.js'
import { type FaultKind, type FaultState, initialFault, stepFault, stepFaultRejected } from './rules/fault.js'
import { type Forecast, type ForecastState, initialForecast, stepForecast } from './rules/forecast.js'
import { initialRate, type RateState, stepRate } from './rules/rate.js'
import { defaultMaxGap, type HoldParams, type HoldState, initialHold, stepHold } from './rules/threshold.js'

/** One rule as it applies to one device now (overrides resolved), with the paddy's calendar if any. */
export interface DeviceRule {
  spec: DeviceRuleSpec
  calendar?: CropCalendar
}

export interface RuleTransition {
  rule: DeviceRuleSpec
  kind: 'raise' | 'clear'
  at: number
  value: number
  threshold: number
  /** When the condition began (start of the hold, of the rate window, of the fault). */
  since?: number
  stage?: string
  rate?: number
  forecast?: Forecast
  fault?: FaultKind
  /** Why a clear happened other than by the value (the crop stage turned the rule off). */
  reason?: string
}

type Slot =
  | { type: 'hold'; state: HoldState }
  | { type: 'rate'; state: RateState }
  | { type: 'forecast'; state: ForecastState }
  | { type: 'fault'; state: FaultState }

const NO_TRANSITIONS: readonly RuleTransition[] = Object.freeze([])
const NO_EXTRA: Partial<RuleTransition> = Object.freeze({})

const key = (ruleId: string, deviceId: string) => `${ruleId}\u0000${deviceId}`

const SLOT_TYPE: Record<DeviceRuleSpec['type'], Slot['type'] | undefined> = {
  threshold: 'hold',
  battery: 'hold',
  rate: 'rate',
  forecast: 'forecast',
  fault: 'fault',
  silence: undefined,
}

function initialSlot(rule: DeviceRuleSpec, open: boolean): Slot | undefined {
  switch (rule.type) {
    case 'threshold':
    case 'battery':
      return { type: 'hold', state: initialHold(open) }
    case 'rate':
      return { type: 'rate', state: initialRate(open) }
    case 'forecast':
      return { type: 'forecast', state: initialForecast(open) }
    case 'fault':
      return { type: 'fault', state: initialFault(open) }
    default:
      return undefined
  }
}

/**
 * The value rules of every device, evaluated one reading at a time in ts order. Pure state held in
 * memory: no I/O, no clock; the engine decides what a transition means (stored, pushed, historical).
 */
export function createEvaluator() {
  // per device, then per rule: no key string is built on the per-reading path
  const slots = new Map<string, Map<string, Slot>>()
  const openKeys = new Set<string>()
  // metrics the fault rules flagged in the reading being stepped (cleared per reading, not rebuilt)
  const suspect = new Set<string>()
  const slotsOf = (deviceId: string) => {
    let map = slots.get(deviceId)
    if (!map) {
      map = new Map()
      slots.set(deviceId, map)
    }
    return map
  }

  const slotOf = (rule: DeviceRuleSpec, deviceId: string, map = slotsOf(deviceId)) => {
    let slot = map.get(rule.id)
    // a rule edited into another type starts over
    if (!slot || slot.type !== SLOT_TYPE[rule.type]) {
      slot = initialSlot(rule, openKeys.has(key(rule.id, deviceId)))
      if (slot) map.set(rule.id, slot)
    }
    return slot
  }

  const track = (t: RuleTransition, deviceId: string) => {
    if (t.kind === 'raise') openKeys.add(key(t.rule.id, deviceId))
    else openKeys.delete(key(t.rule.id, deviceId))
    return t
  }

  /** A rule step (raise or clear) as a transition of this rule; `clearLevel` for steps that do not carry one. */
  const emit = (
    spec: DeviceRuleSpec,
    step: { kind: 'raise' | 'clear'; at: number; value: number; threshold?: number } | null,
    clearLevel: number,
    extra: Partial<RuleTransition> = {},
  ): RuleTransition | undefined =>
    step ? { rule: spec, threshold: clearLevel, ...step, ...extra } : undefined

  // hold parameters of a rule without a calendar never change: one object per rule, not per reading
  const fixedHold = new WeakMap<DeviceRuleSpec, HoldParams>()
  const holdParams = (spec: ThresholdSpec | BatterySpec, levels: Levels, staged: boolean): HoldParams => {
    const cached = staged ? undefined : fixedHold.get(spec)
    if (cached) return cached
    const p: HoldParams = {
      op: spec.type === 'battery' ? 'below' : spec.op,
      threshold: levels.threshold,
      clear: levels.clear,
      forMs: spec.forMs,
      maxGapMs: (spec.type === 'threshold' ? spec.maxGapMs : undefined) ?? defaultMaxGap(spec.forMs),
    }
    if (!staged) fixedHold.set(spec, p)
    return p
  }

  function stepRule(
    rule: DeviceRule,
    deviceId: string,
    deviceSlots: Map<string, Slot>,
    ts: number,
    m: Record<string, number>,
    suspect: Set<string>,
  ): RuleTransition | undefined {
    const spec = rule.spec
    const slot = slotOf(spec, deviceId, deviceSlots)
    const metric = spec.type === 'battery' ? 'battery_v' : 'metric' in spec ? spec.metric : undefined
    const value = metric === undefined ? undefined : m[metric]
    if (!slot || value === undefined || metric === undefined) return undefined
    if (slot.type === 'fault' && spec.type === 'fault') {
      const companion = spec.stuckCompanion ? m[spec.stuckCompanion.metric] : undefined
      const r = stepFault(spec, slot.state, { ts, value, companion })
      slot.state = r.state
      if (r.suspect) suspect.add(metric)
      return emit(spec, r.step, 0)
    }
    // a spike the fault rule flagged is a sensor problem, not a flood: the value rules skip it
    if (suspect.has(metric)) return undefined
    if (slot.type === 'forecast' && spec.type === 'forecast') {
      const r = stepForecast(spec, slot.state, { ts, value })
      slot.state = r.state
      return emit(
        spec,
        r.step,
        spec.target,
        r.forecast && r.step?.kind === 'clear' ? { forecast: r.forecast } : {},
      )
    }
    const hold = slot.type === 'hold' && (spec.type === 'threshold' || spec.type === 'battery')
    if (!hold && !(slot.type === 'rate' && spec.type === 'rate')) return undefined
    // without a crop calendar the levels are the rule's own: no object per reading
    const staged = rule.calendar !== undefined && 'stages' in spec && spec.stages !== undefined
    const levels: Levels = staged ? levelsAt(spec as Parameters<typeof levelsAt>[0], rule.calendar, ts) : spec
    const stage = levels.stage === undefined ? NO_EXTRA : { stage: levels.stage }
    const wasOpen = slot.state.open
    if (slot.type === 'rate' && spec.type === 'rate') {
      const params = staged ? { ...spec, threshold: levels.threshold, clear: levels.clear } : spec
      const r = stepRate(params, slot.state, { ts, value })
      // the window keeps filling while a stage turns the rule off (a paddy drained on purpose)
      slot.state = levels.enabled ? r.state : { ...r.state, open: false }
      if (!levels.enabled)
        return wasOpen
          ? { rule: spec, kind: 'clear', at: ts, value, threshold: levels.clear, ...stage, reason: 'stage' }
          : undefined
      return r.step ? emit(spec, r.step, levels.clear, { ...stage, rate: r.step.rate }) : undefined
    }
    if (slot.type !== 'hold' || (spec.type !== 'threshold' && spec.type !== 'battery')) return undefined
    if (!levels.enabled) {
      slot.state = initialHold(false)
      return wasOpen
        ? { rule: spec, kind: 'clear', at: ts, value, threshold: levels.clear, ...stage, reason: 'stage' }
        : undefined
    }
    const r = stepHold(holdParams(spec, levels, staged), slot.state, { ts, value })
    slot.state = r.state
    return emit(spec, r.step, levels.clear, stage)
  }

  return {
    /** Evaluates one reading against the device's rules; fault rules first, so a spike stays out of the others. */
    step(
      deviceId: string,
      rules: readonly DeviceRule[],
      reading: { ts: number; m: Record<string, number> },
    ): readonly RuleTransition[] {
      // only when it holds something: clearing a Set allocates a new table, and for a Set that has
      // lived long that table goes straight to V8's old generation (a mark-compact's work)
      if (suspect.size > 0) suspect.clear()
      const deviceSlots = slotsOf(deviceId)
      let out: RuleTransition[] | undefined
      // two passes, no copies: this runs for every reading on the ingest path
      for (const rule of rules) {
        if (rule.spec.type !== 'fault') continue
        const t = stepRule(rule, deviceId, deviceSlots, reading.ts, reading.m, suspect)
        if (!t) continue
        out ??= []
        out.push(track(t, deviceId))
      }
      for (const rule of rules) {
        if (rule.spec.type === 'fault') continue
        const t = stepRule(rule, deviceId, deviceSlots, reading.ts, reading.m, suspect)
        if (!t) continue
        out ??= []
        out.push(track(t, deviceId))
      }
      return out ?? NO_TRANSITIONS
    },
    /** A value ingest refused as out of range: only fault rules of that metric see it. */
    rejected(
      deviceId: string,
      rules: readonly DeviceRule[],
      metric: string,
      at: number,
      value: unknown,
    ): RuleTransition[] {
      const out: RuleTransition[] = []
      for (const { spec } of rules) {
        if (spec.type !== 'fault' || spec.metric !== metric) continue
        const slot = slotOf(spec, deviceId)
        if (slot?.type !== 'fault') continue
        const r = stepFaultRejected(spec, slot.state, at, value)
        slot.state = r.state
        if (r.step?.kind === 'raise')
          out.push(
            track(
              {
                rule: spec,
                kind: 'raise',
                at,
                value: r.step.value,
                threshold: 0,
                since: at,
                fault: 'out_of_range',
              },
              deviceId,
            ),
          )
      }
      return out
    },
    /** An alert restored from the store (or raised elsewhere) is open for this rule and device. */
    markOpen(ruleId: string, deviceId: string) {
      openKeys.add(key(ruleId, deviceId))
      const slot = slots.get(deviceId)?.get(ruleId)
      if (slot) slot.state = { ...slot.state, open: true }
    },
    markClosed(ruleId: string, deviceId: string) {
      openKeys.delete(key(ruleId, deviceId))
      slots.get(deviceId)?.delete(ruleId)
    },
    /** Forgets holds and windows of a device (after maintenance: readings from before are no evidence). */
    resetDevice(deviceId: string) {
      slots.delete(deviceId)
    },
    /** Forgets a rule's state everywhere (it was edited); open flags stay. */
    resetRule(ruleId: string) {
      for (const map of slots.values()) map.delete(ruleId)
    },
    isOpen: (ruleId: string, deviceId: string) => openKeys.has(key(ruleId, deviceId)),
  }
}

export type Evaluator = ReturnType<typeof createEvaluator>

/**
 * Alerts a run of late readings raises and clears on its own, evaluated from a fresh state apart
 * from the live one (the readings are older than what the live state has seen). What stays open
 * at the end is dropped: the live state knows better.
 */
export function closedInHistory(
  deviceId: string,
  rules: readonly DeviceRule[],
  readings: ReadonlyArray<{ ts: number; m: Record<string, number> }>,
): Array<{ raise: RuleTransition; clear: RuleTransition; reading: { ts: number } }> {
  const shadow = createEvaluator()
  const opened = new Map<string, { raise: RuleTransition; reading: { ts: number } }>()
  const closed: Array<{ raise: RuleTransition; clear: RuleTransition; reading: { ts: number } }> = []
  for (const reading of readings) {
    for (const t of shadow.step(deviceId, rules, reading)) {
      const open = opened.get(t.rule.id)
      if (t.kind === 'raise') opened.set(t.rule.id, { raise: t, reading })
      else if (open) {
        opened.delete(t.rule.id)
        closed.push({ ...open, clear: t })
      }
    }
  }
  return closed
}
