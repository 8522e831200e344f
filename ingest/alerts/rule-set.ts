import type { Logger } from 'pino'
import type { AlertConfigStore, ThresholdRule } from '../store/meta-store.js'
import type { DeviceRule } from './evaluator.js'
import { effectiveRule, mergeSettings } from './resolve.js'
import {
  type AlertSettings,
  AlertSettingsSchema,
  type BatterySpec,
  type DeviceRuleSpec,
  type GatewaySpec,
  type RuleSpec,
  RuleSpecSchema,
  type SilenceSpec,
} from './rule-spec.js'

export interface DeviceRules {
  /** Value rules (threshold, battery, rate, forecast, fault), overrides applied. */
  rules: DeviceRule[]
  silence?: SilenceSpec
  battery?: BatterySpec
  settings: AlertSettings
  /** Metrics the value rules read (their recent points are kept for evidence). */
  metrics: ReadonlySet<string>
}

export interface RuleSet {
  specs: readonly RuleSpec[]
  rule(id: string): RuleSpec | undefined
  forDevice(device: { id: string; kind: string; site: string | null }): DeviceRules
  gateway(): GatewaySpec | undefined
  /** Fixed-level rules of a kind in the first cut's shape (charts draw them as lines); per device when given. */
  thresholdLines(kind: string, device?: { id: string; site: string | null }): ThresholdRule[]
}

/** Rules and settings as stored; invalid entries are logged and skipped, never fatal. */
export async function loadRuleSet(store: AlertConfigStore, log: Logger): Promise<RuleSet> {
  const specs: RuleSpec[] = []
  for (const row of await store.listRuleSpecs()) {
    const parsed = RuleSpecSchema.safeParse(row.spec)
    if (parsed.success) specs.push(parsed.data)
    else log.error({ rule: row.id, issues: parsed.error.issues }, 'stored alert rule is invalid; skipped')
  }
  const sites = new Map<string, AlertSettings>()
  const devices = new Map<string, AlertSettings>()
  for (const row of await store.listAlertSettings()) {
    const parsed = AlertSettingsSchema.safeParse(row.settings)
    if (!parsed.success) {
      log.error({ scope: row.scope, target: row.target }, 'stored alert settings are invalid; skipped')
      continue
    }
    ;(row.scope === 'site' ? sites : devices).set(row.target, parsed.data)
  }
  return buildRuleSet(specs, sites, devices, log)
}

export function buildRuleSet(
  specs: readonly RuleSpec[],
  sites: ReadonlyMap<string, AlertSettings>,
  devices: ReadonlyMap<string, AlertSettings>,
  log: Logger,
): RuleSet {
  // by device id; the site is checked, since a device moved to another site takes that site's settings
  const cache = new Map<string, DeviceRules & { site: string | null }>()
  const gateway = specs.find((s): s is GatewaySpec => s.type === 'gateway' && s.enabled)
  const reported = new Set<string>()
  const self: RuleSet = {
    specs,
    rule: (id) => specs.find((s) => s.id === id),
    forDevice(device) {
      const hit = cache.get(device.id)
      if (hit && hit.site === (device.site ?? null)) return hit
      const settings = mergeSettings(device.site ? sites.get(device.site) : undefined, devices.get(device.id))
      const metrics = new Set(['battery_v'])
      const out: DeviceRules & { site: string | null } = {
        rules: [],
        settings,
        metrics,
        site: device.site ?? null,
      }
      for (const spec of specs) {
        if (spec.type === 'gateway' || spec.kind !== device.kind) continue
        const eff = effectiveRule(spec, settings)
        if ('error' in eff) {
          if (!reported.has(`${spec.id}/${device.id}`))
            log.error(
              { rule: spec.id, deviceId: device.id, error: eff.error },
              'rule override invalid; rule skipped for this device',
            )
          reported.add(`${spec.id}/${device.id}`)
          continue
        }
        if (!eff.enabled || eff.type === 'gateway') continue
        if (eff.type === 'silence') out.silence ??= eff
        else {
          if (eff.type === 'battery') out.battery ??= eff
          if ('metric' in eff) metrics.add(eff.metric)
          out.rules.push({
            spec: eff as DeviceRuleSpec,
            ...(settings.cropCalendar ? { calendar: settings.cropCalendar } : {}),
          })
        }
      }
      cache.set(device.id, out)
      return out
    },
    gateway: () => gateway,
    thresholdLines(kind, device) {
      const source: RuleSpec[] = device
        ? self.forDevice({ ...device, kind }).rules.map((r) => r.spec)
        : specs.filter((s) => s.type !== 'gateway' && s.kind === kind)
      return source.flatMap((s): ThresholdRule[] =>
        s.type === 'threshold' || s.type === 'battery'
          ? [
              {
                id: s.id,
                kind: s.kind,
                metric: s.type === 'battery' ? 'battery_v' : s.metric,
                op: s.type === 'battery' ? 'below' : s.op,
                threshold: s.threshold,
                clear: s.clear,
                severity: s.severity,
                label: s.label,
                labelJa: s.labelJa,
                enabled: s.enabled,
              },
            ]
          : [],
      )
    },
  }
  return self
}
