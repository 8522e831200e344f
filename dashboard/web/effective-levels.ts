import type { Rule, Severity } from './types.js'
import type { AlertSettings, CropCalendar, RuleSpecView, StageBand, StoredSettings } from './types-admin.js'

/**
 * The alert levels as they apply to one device now, worked out in the browser the way the engine
 * does (ingest/alerts/resolve.ts): levels relative to a site parameter (spillway crest, rail watch
 * line) become absolute, the site's and the device's patches apply, then the paddy's crop stage
 * picks its band. The API's per-device answer (GET /devices/:id) has only the kind's defaults.
 */

/** Outside the crop calendar (before the first stage, after harvest). */
export const FALLOW = 'fallow'
const JST = '+09:00'

/** Calendar dates are epoch ms once stored, or `2026-07-05` (Japan time) as typed. */
export function dateMs(value: number | string): number {
  if (typeof value === 'number') return value
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00${JST}`) : Date.parse(value)
}

export function stageAt(calendar: CropCalendar, ts: number): string {
  if (ts >= dateMs(calendar.end)) return FALLOW
  let stage = FALLOW
  for (const entry of calendar.stages) if (ts >= dateMs(entry.from)) stage = entry.stage
  return stage
}

/** A device's settings over its site's, key by key. */
export function settingsFor(
  all: readonly StoredSettings[],
  device: { id: string; site: string | null },
): AlertSettings {
  const site = all.find((s) => s.scope === 'site' && s.target === device.site)?.settings
  const own = all.find((s) => s.scope === 'device' && s.target === device.id)?.settings
  const rules: NonNullable<AlertSettings['rules']> = { ...site?.rules }
  for (const [id, patch] of Object.entries(own?.rules ?? {})) rules[id] = { ...rules[id], ...patch }
  const merged: AlertSettings = { params: { ...site?.params, ...own?.params }, rules }
  const calendar = own?.cropCalendar ?? site?.cropCalendar
  if (calendar) merged.cropCalendar = calendar
  return merged
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const round = (n: number) => Math.round(n * 1e6) / 1e6

export interface EffectiveRules {
  rules: Rule[]
  /** The paddy's crop stage now, when it has a calendar. */
  stage?: string
}

/** Threshold and battery rules of the kind with the levels that apply to this device at `ts`. */
export function effectiveRules(
  specs: readonly RuleSpecView[],
  settings: AlertSettings,
  kind: string,
  ts: number,
): EffectiveRules {
  const calendar = settings.cropCalendar
  const stage = calendar ? stageAt(calendar, ts) : undefined
  const rules: Rule[] = []
  for (const spec of specs) {
    if (spec.kind !== kind || (spec.type !== 'threshold' && spec.type !== 'battery')) continue
    let threshold = spec.threshold
    let clear = spec.clear
    const rel = spec.relativeTo
    const base = rel ? settings.params?.[rel.param] : undefined
    if (rel && num(base)) {
      if (num(rel.threshold)) threshold = round(base + rel.threshold)
      if (num(rel.clear)) clear = round(base + rel.clear)
    }
    const patch = settings.rules?.[spec.id]
    let enabled = patch?.enabled ?? spec.enabled
    if (num(patch?.threshold)) threshold = patch.threshold
    if (num(patch?.clear)) clear = patch.clear
    const stages: Record<string, StageBand> | undefined = patch?.stages ?? spec.stages
    if (stage !== undefined && stages) {
      const band = stages[stage]
      enabled = enabled && (band?.enabled ?? true)
      if (num(band?.threshold)) threshold = band.threshold
      clear = band?.clear ?? band?.threshold ?? clear
    }
    if (!enabled || !num(threshold)) continue
    rules.push({
      id: spec.id,
      kind,
      metric: spec.type === 'battery' ? 'battery_v' : (spec.metric ?? null),
      op: spec.type === 'battery' ? 'below' : (spec.op ?? 'above'),
      threshold,
      clear: num(clear) ? clear : null,
      severity: ((patch as { severity?: Severity } | undefined)?.severity ?? spec.severity) as Severity,
      label: spec.label,
      labelJa: spec.labelJa,
    })
  }
  return stage === undefined ? { rules } : { rules, stage }
}

/** The band a paddy's depth should stay in: above every `below` level and under every `above` one. */
export function targetBand(rules: readonly Rule[], metric: string): { low?: number; high?: number } {
  let low: number | undefined
  let high: number | undefined
  for (const r of rules) {
    if (r.metric !== metric || r.threshold === null) continue
    if (r.op === 'below' && (low === undefined || r.threshold > low)) low = r.threshold
    if (r.op === 'above' && (high === undefined || r.threshold < high)) high = r.threshold
  }
  return { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) }
}
