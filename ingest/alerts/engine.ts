import type { Logger } from 'pino'
import type { MetricRejection, Reading } from '../../firmware-contracts/index.js'
import type { ArrivalInfo } from '../pipeline.js'
import type { AlertMetaStore, AlertRecord, ImageRecord, ThresholdRule } from '../store/meta-store.js'
import type { AlertAdmin } from './admin.js'
import { type AlertConfig, DEFAULT_ALERT_CONFIG } from './config.js'
import { closedInHistory, createEvaluator, type RuleTransition } from './evaluator.js'
import { createTrendBuffer, transitionEvidence } from './evidence.js'
import { createAlertBook, type RaiseRequest, type RuleInfo } from './lifecycle.js'
import type { AlertView, Notifier } from './notifier.js'
import { type DeviceRules, loadRuleSet, type RuleSet } from './rule-set.js'
import type { DeviceRuleSpec } from './rule-spec.js'
import { type CadenceState, initialCadence, observeCadence } from './rules/silence.js'
import { checkSilence, ruleInfo, type WatchedDevice } from './watchdog.js'

type Device = { id: string; kind: string; site: string | null }

export interface AlertEngine {
  /** Evaluates readings (already durable, sorted by ts) of one device. Never throws, never blocks ingest. */
  evaluate(device: Device, readings: readonly Reading[], arrival?: ArrivalInfo): void
  /** Values ingest refused as out of range: they feed the sensor-fault rules. */
  rejected(device: Device, rejections: readonly MetricRejection[], receivedAt: number): void
  /** A gateway's status from the broker: offline starts the group-incident clock, online ends the incident. */
  gatewayStatus(gatewayId: string, status: { state: 'online' | 'offline' }): void
  /**
   * Fixed-level rules of a kind (first-cut shape), for chart lines; with a device, its own levels
   * (site parameters and overrides applied, e.g. a reservoir's crest).
   */
  rulesFor(kind: string, device?: { id: string; site: string | null }): ThresholdRule[]
  openAlerts(): AlertRecord[]
  acknowledge(id: number, actor: string, note: string | null): Promise<AlertView>
  /** Re-reads rules and settings after an edit; alerts of a removed or disabled rule are cleared. */
  reload(actor?: string): Promise<void>
  /** Runs the timer-driven checks (silence, escalation) now. */
  check(): void
  readonly rules: RuleSet
  /** Rule, settings, contact and maintenance administration for the REST routes (set by the composition root). */
  admin?: AlertAdmin
  /** Resolves when every alert change so far is stored and handed to the notifiers. */
  idle(): Promise<void>
  close(): void
}

export interface AlertEngineDeps {
  store: AlertMetaStore
  notifiers: readonly Notifier[]
  log: Logger
  /** Every registered device (silence of devices that never report, gateway groups). */
  directory?: { list(): WatchedDevice[]; get(id: string): WatchedDevice | undefined }
  images?: { list(deviceId: string, from: number, to: number, limit: number): Promise<ImageRecord[]> }
  maintenance?: { paused(device: { id: string; site: string | null }, ts: number): boolean }
  config?: Partial<AlertConfig>
  now?: () => number
  timers?: {
    setInterval(fn: () => void, ms: number): ReturnType<typeof setInterval>
    clearInterval(t: ReturnType<typeof setInterval>): void
    setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout>
    clearTimeout(t: ReturnType<typeof setTimeout>): void
  }
  /** Start the periodic check (default true; tests may call `check()` themselves). */
  autoCheck?: boolean
}

const GLOBAL_TIMERS = { setInterval, clearInterval, setTimeout, clearTimeout }

/**
 * Evaluates rules on the stream as readings arrive (DESIGN.md: not by polling the DB), plus a
 * timer for what no reading can tell (silence, escalation). Late readings are evaluated in ts
 * order; what they raise and clear within their own batch is history, never pushed as new.
 */
export async function createAlertEngine(deps: AlertEngineDeps): Promise<AlertEngine> {
  const config = { ...DEFAULT_ALERT_CONFIG, ...deps.config }
  const now = deps.now ?? Date.now
  const timers = deps.timers ?? GLOBAL_TIMERS
  const log = deps.log.child({ component: 'alerts' })
  const startedAt = now()
  let ruleSet = await loadRuleSet(deps.store, log)
  const evaluator = createEvaluator()
  const trend = createTrendBuffer(config.trendPoints)
  const cadence = new Map<string, CadenceState>()
  const seen = new Map<string, WatchedDevice>()
  /**
   * What evaluate needs of a device, found with one lookup per message: the device object it was
   * last called with (the directory's entry: a new object when the entry changed), its cadence
   * state (the same object as in `cadence`) and the ts evaluation has reached.
   */
  const tracks = new Map<string, { device: Device; cadence: CadenceState; cursor: number }>()
  const trackOf = (device: Device) => {
    const track = tracks.get(device.id)
    if (track && track.device === device) return track
    seen.set(device.id, deviceOf(device))
    let cad = cadence.get(device.id)
    if (!cad) {
      cad = initialCadence()
      cadence.set(device.id, cad)
    }
    const fresh = { device, cadence: cad, cursor: track?.cursor ?? Number.NEGATIVE_INFINITY }
    tracks.set(device.id, fresh)
    return fresh
  }
  const wasPaused = new Set<string>()
  const offline = new Map<string, number>()
  const book = createAlertBook({
    store: deps.store,
    notifiers: deps.notifiers,
    log,
    now,
    setTimer: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimer: (t) => timers.clearTimeout(t),
    lateGraceMs: config.lateGraceMs,
    images: deps.images,
    imageWindowMs: config.imageWindowMs,
  })

  const infoOf = (spec: { id: string; type: string } & Omit<RuleInfo, 'id' | 'type'>) => ruleInfo(spec)
  for (const alert of await deps.store.listAlerts({ state: 'raised', limit: 1000 })) {
    const spec = ruleSet.rule(alert.ruleId)
    const label = alert.message.split(': ')[0] ?? alert.ruleId
    const info: RuleInfo = spec
      ? infoOf(spec)
      : { id: alert.ruleId, type: alert.type ?? 'threshold', severity: alert.severity, label, labelJa: label }
    book.restore(alert, info, alert.deviceKind ?? deps.directory?.get(alert.deviceId)?.kind ?? 'unknown')
    evaluator.markOpen(alert.ruleId, alert.deviceId)
  }

  const deviceOf = (device: Device): WatchedDevice =>
    deps.directory?.get(device.id) ?? seen.get(device.id) ?? device
  const paused = (device: Device, ts: number) => deps.maintenance?.paused(device, ts) ?? false

  const evidenceOf = (t: RuleTransition, deviceId: string, ts: number, late: boolean, skewMs: number) =>
    transitionEvidence(t, (metric) => trend.upTo(deviceId, metric, ts), {
      late,
      ...(skewMs > config.skewToleranceMs ? { clockSkewMs: skewMs } : {}),
    })

  const raiseRequest = (
    t: RuleTransition,
    device: Device,
    late: boolean,
    readingTs: number,
    skewMs: number,
  ): RaiseRequest => {
    const settings = ruleSet.forDevice(device).settings
    const evidence = evidenceOf(t, device.id, readingTs, late, skewMs)
    return {
      rule: infoOf(t.rule),
      subjectId: device.id,
      subject: 'device',
      kind: device.kind,
      site: device.site,
      metric: evidence.metric,
      at: t.at,
      value: t.value,
      threshold: t.threshold,
      evidence,
      late,
      cameraId: settings.cameraDeviceId ?? (device.kind === 'reservoir' ? device.id : undefined),
    }
  }

  const apply = (t: RuleTransition, device: Device, late: boolean, readingTs: number, skewMs: number) => {
    if (t.kind === 'raise') book.raise(raiseRequest(t, device, late, readingTs, skewMs))
    else
      book.clear(
        t.rule.id,
        device.id,
        t.at,
        t.value,
        t.reason ? { actor: 'system', note: `crop stage ${t.stage}` } : undefined,
      )
  }

  /** Late readings older than what was already evaluated: replayed apart, only closed alerts are kept. */
  const replayHistory = (device: Device, rules: DeviceRules['rules'], readings: Reading[]) => {
    for (const { raise, clear, reading } of closedInHistory(device.id, rules, readings))
      book.recordHistorical(raiseRequest(raise, device, true, reading.ts, 0), clear.at, clear.value)
  }

  const clearSilence = (device: Device, at: number) => {
    const rules = ruleSet.forDevice(device)
    if (rules.silence && book.isOpen(rules.silence.id, device.id))
      book.clear(rules.silence.id, device.id, at, 0)
    const gatewayId = deviceOf(device).gatewayId
    const gatewayRule = ruleSet.gateway()
    if (gatewayId && gatewayRule && !offline.has(gatewayId) && book.isOpen(gatewayRule.id, gatewayId))
      book.clear(gatewayRule.id, gatewayId, at, 0)
  }

  const check = () => {
    try {
      const t = now()
      const devices = deps.directory?.list() ?? [...seen.values()]
      checkSilence({
        now: t,
        startedAt,
        devices,
        ruleSet,
        cadence,
        paused,
        lastBattery: (id) => trend.last(id, 'battery_v')?.value,
        offlineSince: (id) => offline.get(id) ?? null,
        offlineGateways: () => [...offline.keys()],
        book,
      })
      book.escalate(t, (subjectId) => {
        const device = deps.directory?.get(subjectId) ?? seen.get(subjectId)
        return device ? paused(device, t) : false
      })
    } catch (err) {
      log.error({ err }, 'alert check failed')
    }
  }
  const interval = deps.autoCheck === false ? undefined : timers.setInterval(check, config.checkIntervalMs)

  return {
    evaluate(device, readings, arrival) {
      try {
        const track = trackOf(device)
        const receivedAt = arrival?.receivedAt ?? now()
        const rules = ruleSet.forDevice(device)
        const { metrics } = rules
        let cursor = track.cursor
        let behind: Reading[] | undefined
        for (const reading of readings) {
          observeCadence(track.cadence, reading.ts, receivedAt)
          trend.push(device.id, reading.ts, reading.m, metrics)
          if (paused(device, reading.ts)) {
            wasPaused.add(device.id)
            continue
          }
          if (wasPaused.delete(device.id)) evaluator.resetDevice(device.id)
          const skewMs = reading.ts - receivedAt
          // a device clock running ahead must not drag the stream's time into the future
          const ts = skewMs > config.skewToleranceMs ? receivedAt : reading.ts
          if (ts < cursor) {
            behind ??= []
            behind.push(reading)
            continue
          }
          cursor = ts
          const late = (arrival?.batch ?? false) || receivedAt - reading.ts > config.lateAfterMs
          for (const t of evaluator.step(device.id, rules.rules as Array<{ spec: DeviceRuleSpec }>, {
            ts,
            m: reading.m,
          }))
            apply(t, device, late, reading.ts, skewMs)
        }
        track.cursor = cursor
        if (readings.length > 0) clearSilence(device, receivedAt)
        if (behind && behind.length > 1) replayHistory(device, rules.rules, behind)
        book.flushLate(device.id)
      } catch (err) {
        log.error({ err, deviceId: device.id }, 'alert evaluation failed')
      }
    },
    rejected(device, rejections, receivedAt) {
      try {
        if (paused(device, receivedAt)) return
        const rules = ruleSet.forDevice(device)
        for (const r of rejections)
          for (const t of evaluator.rejected(device.id, rules.rules, r.metric, receivedAt, r.value))
            apply(t, device, false, receivedAt, 0)
      } catch (err) {
        log.error({ err, deviceId: device.id }, 'alert evaluation failed')
      }
    },
    gatewayStatus(gatewayId, status) {
      if (status.state === 'offline') {
        if (!offline.has(gatewayId)) offline.set(gatewayId, now())
        return
      }
      offline.delete(gatewayId)
      const rule = ruleSet.gateway()
      if (rule && book.isOpen(rule.id, gatewayId)) book.clear(rule.id, gatewayId, now(), 0)
    },
    rulesFor: (kind, device) => ruleSet.thresholdLines(kind, device).filter((r) => r.enabled),
    openAlerts: () => book.openRecords(),
    acknowledge: (id, actor, note) => book.acknowledge(id, actor, note),
    async reload(actor = 'system') {
      const before = new Map(ruleSet.specs.map((s) => [s.id, JSON.stringify(s)]))
      ruleSet = await loadRuleSet(deps.store, log)
      for (const spec of ruleSet.specs)
        if (before.get(spec.id) !== JSON.stringify(spec)) evaluator.resetRule(spec.id)
      for (const { ruleId, subjectId } of book.openKeys()) {
        const device = deps.directory?.get(subjectId) ?? seen.get(subjectId)
        const rules = device ? ruleSet.forDevice(device) : undefined
        const still =
          ruleSet.gateway()?.id === ruleId ||
          rules?.silence?.id === ruleId ||
          (rules?.rules.some((r) => r.spec.id === ruleId) ?? false)
        if (still) continue
        book.clear(ruleId, subjectId, now(), 0, { actor, note: 'rule removed or disabled' })
        evaluator.markClosed(ruleId, subjectId)
      }
    },
    check,
    get rules() {
      return ruleSet
    },
    idle: () => book.idle(),
    close() {
      if (interval) timers.clearInterval(interval)
      book.close()
    },
  }
}
