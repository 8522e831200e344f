import type { AlertBook, RuleInfo } from './lifecycle.js'
import type { RuleSet } from './rule-set.js'
import type { GatewaySpec, SilenceSpec } from './rule-spec.js'
import {
  type CadenceState,
  expectedInterval,
  groupSilence,
  initialCadence,
  type SilenceCause,
  type SilentDevice,
  silence,
} from './rules/silence.js'

export interface WatchedDevice {
  id: string
  kind: string
  site: string | null
  gatewayId?: string | null
  revokedAt?: number | null
}

export interface SilenceContext {
  now: number
  startedAt: number
  devices: readonly WatchedDevice[]
  ruleSet: RuleSet
  cadence: Map<string, CadenceState>
  paused(device: WatchedDevice, ts: number): boolean
  lastBattery(deviceId: string): number | undefined
  offlineSince(gatewayId: string): number | null
  offlineGateways(): string[]
  book: AlertBook
}

export const ruleInfo = (
  spec: SilenceSpec | GatewaySpec | ({ id: string; type: string } & Omit<RuleInfo, 'id' | 'type'>),
): RuleInfo => ({
  id: spec.id,
  type: spec.type,
  severity: spec.severity,
  label: spec.label,
  labelJa: spec.labelJa,
  action: spec.action,
  actionJa: spec.actionJa,
  escalation: spec.escalation,
})

/**
 * The time-driven half of the rules (no reading arrives to evaluate): cadence-aware silence per
 * device and one incident per gateway whose devices went dark together. Runs on the engine's
 * timer with in-memory state only; nothing is read from the database.
 */
export function checkSilence(ctx: SilenceContext): void {
  const { now, ruleSet, book } = ctx
  const watched = ctx.devices.filter((d) => d.revokedAt == null && !ctx.paused(d, now))
  const info = new Map<
    string,
    {
      spec: SilenceSpec
      missed: number
      intervalMs: number
      source: 'configured' | 'learned' | 'default'
      lastSeenAt: number | null
      device: WatchedDevice
    }
  >()
  const quiet = new Set<string>()
  const silent: SilentDevice[] = []
  for (const device of watched) {
    const rules = ruleSet.forDevice(device)
    const spec = rules.silence
    if (!spec) continue
    let cadence = ctx.cadence.get(device.id)
    if (!cadence) {
      // never heard since start: count from the start, so a device that never reports does alarm
      cadence = initialCadence(ctx.startedAt)
      ctx.cadence.set(device.id, cadence)
    }
    const interval = expectedInterval(cadence, {
      ...(rules.settings.expectedIntervalMs !== undefined
        ? { configured: rules.settings.expectedIntervalMs }
        : {}),
      fallback: spec.fallbackIntervalMs,
      minInterval: spec.minIntervalMs,
    })
    const s = silence(cadence, now, interval.intervalMs, spec.missedReports)
    if (s.silentForMs > 1.5 * interval.intervalMs) quiet.add(device.id)
    if (!s.silent) continue
    info.set(device.id, {
      spec,
      missed: s.missed,
      intervalMs: interval.intervalMs,
      source: interval.source,
      lastSeenAt: Number.isNaN(cadence.lastArrival) ? null : cadence.lastArrival,
      device,
    })
    const battery = ctx.lastBattery(device.id)
    silent.push({
      deviceId: device.id,
      gatewayId: device.gatewayId ?? null,
      batteryLow: rules.battery !== undefined && battery !== undefined && battery < rules.battery.threshold,
    })
  }

  const gatewayRule = ruleSet.gateway()
  const grouped = groupSilence({
    silent,
    devicesOf: (gatewayId) => watched.filter((d) => d.gatewayId === gatewayId).map((d) => d.id),
    quiet: (id) => quiet.has(id),
    offlineSince: (gatewayId) => ctx.offlineSince(gatewayId),
    now,
    graceMs: gatewayRule?.graceMs ?? 120_000,
    minSilentDevices: gatewayRule?.minSilentDevices ?? 2,
    offlineGateways: ctx.offlineGateways(),
  })

  const raiseDevice = (deviceId: string, cause: SilenceCause) => {
    const entry = info.get(deviceId)
    if (!entry || book.isOpen(entry.spec.id, deviceId)) return
    const { device, spec } = entry
    if (device.gatewayId && gatewayRule && book.isOpen(gatewayRule.id, device.gatewayId)) return
    book.raise({
      rule: ruleInfo(spec),
      subjectId: deviceId,
      subject: 'device',
      kind: device.kind,
      site: device.site,
      metric: '',
      at: now,
      value: entry.missed,
      threshold: spec.missedReports,
      evidence: {
        metric: '',
        unit: '',
        value: entry.missed,
        threshold: spec.missedReports,
        trend: [],
        silence: {
          lastSeenAt: entry.lastSeenAt,
          expectedIntervalMs: entry.intervalMs,
          intervalSource: entry.source,
          missed: entry.missed,
          cause,
        },
      },
      late: false,
    })
  }

  for (const incident of grouped.incidents) {
    if (!gatewayRule) {
      for (const id of incident.silent) raiseDevice(id, 'link')
      continue
    }
    if (book.isOpen(gatewayRule.id, incident.gatewayId)) continue
    const sites = new Set(watched.filter((d) => d.gatewayId === incident.gatewayId).map((d) => d.site))
    book.raise({
      rule: ruleInfo(gatewayRule),
      subjectId: incident.gatewayId,
      subject: 'gateway',
      kind: 'gateway',
      site: sites.size === 1 ? ([...sites][0] ?? null) : null,
      metric: '',
      at: now,
      value: incident.silent.length,
      threshold: gatewayRule.minSilentDevices,
      evidence: {
        metric: '',
        unit: '',
        value: incident.silent.length,
        threshold: gatewayRule.minSilentDevices,
        trend: [],
        gateway: incident,
      },
      late: false,
    })
  }
  for (const { deviceId, cause } of grouped.individual) raiseDevice(deviceId, cause)
}
