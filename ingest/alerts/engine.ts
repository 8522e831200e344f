import type { Logger } from 'pino'
import { type Reading, unitOf } from '../../firmware-contracts/index.js'
import type { AlertRecord, AlertStore, ThresholdRule } from '../store/meta-store.js'
import type { AlertEvent, Notifier } from './notifier.js'
import { evaluateThreshold } from './rules/threshold.js'

export interface AlertEngine {
  /** Evaluates readings (already durable, sorted by ts) of one device. Never throws, never blocks ingest. */
  evaluate(device: { id: string; kind: string; site: string | null }, readings: readonly Reading[]): void
  rulesFor(kind: string): ThresholdRule[]
  openAlerts(): AlertRecord[]
  /** Resolves when every alert change so far is stored and handed to the notifiers. */
  idle(): Promise<void>
}

const key = (ruleId: string, deviceId: string) => `${ruleId}\u0000${deviceId}`

function formatMessage(rule: ThresholdRule, value: number): string {
  const unit = unitOf(rule.metric)
  // sensors report noise digits; a message shows what a person would read off the gauge
  const shown = Number(value.toFixed(2))
  return `${rule.labelJa} / ${rule.label}: ${rule.metric} ${shown} ${unit} (${rule.op === 'above' ? '>' : '<'} ${rule.threshold} ${unit})`
}

/**
 * Evaluates rules on the stream as readings arrive (DESIGN.md: not by polling the DB). At most one
 * open alert per (rule, device). State changes are stored in order on one promise chain, then
 * pushed to notifiers; a notifier failure is logged and never reaches ingest.
 */
export async function createAlertEngine(deps: {
  store: AlertStore
  notifiers: Notifier[]
  log: Logger
}): Promise<AlertEngine> {
  const { store, notifiers } = deps
  const log = deps.log.child({ component: 'alerts' })
  const rules = (await store.listRules()).filter((r) => r.enabled)
  // Decisions are taken synchronously on the stream (`isOpen`); the stored records follow on one
  // promise chain, so a clear always finds the id of the alert it closes.
  const isOpen = new Set<string>()
  const records = new Map<string, AlertRecord>()
  for (const alert of await store.listAlerts({ state: 'raised', limit: 1000 })) {
    isOpen.add(key(alert.ruleId, alert.deviceId))
    records.set(key(alert.ruleId, alert.deviceId), alert)
  }
  const lastTs = new Map<string, number>()
  let chain: Promise<void> = Promise.resolve()

  const publish = (event: AlertEvent) => {
    for (const notifier of notifiers) {
      try {
        Promise.resolve(notifier.notify(event)).catch((err: unknown) =>
          log.error({ err, notifier: notifier.name }, 'notifier failed'),
        )
      } catch (err) {
        log.error({ err, notifier: notifier.name }, 'notifier failed')
      }
    }
  }

  const enqueue = (task: () => Promise<void>) => {
    chain = chain.then(task).catch((err: unknown) => log.error({ err }, 'alert state not stored'))
  }

  const raise = (
    rule: ThresholdRule,
    device: { id: string; kind: string; site: string | null },
    at: number,
    value: number,
  ) =>
    enqueue(async () => {
      const alert = await store.insertAlert({
        ruleId: rule.id,
        deviceId: device.id,
        metric: rule.metric,
        severity: rule.severity,
        state: 'raised',
        message: formatMessage(rule, value),
        value,
        threshold: rule.threshold,
        raisedAt: at,
        clearedAt: null,
      })
      records.set(key(rule.id, device.id), alert)
      log.info({ alertId: alert.id, deviceId: device.id, rule: rule.id, value }, 'alert raised')
      publish({ event: 'raised', alert: { ...alert, kind: device.kind, site: device.site } })
    })

  const clear = (
    rule: ThresholdRule,
    device: { id: string; kind: string; site: string | null },
    at: number,
    value: number,
  ) =>
    enqueue(async () => {
      const k = key(rule.id, device.id)
      const alert = records.get(k)
      if (!alert) return
      records.delete(k)
      await store.clearAlert(alert.id, at, value)
      log.info({ alertId: alert.id, deviceId: device.id, rule: rule.id, value }, 'alert cleared')
      publish({
        event: 'cleared',
        alert: { ...alert, state: 'cleared', clearedAt: at, kind: device.kind, site: device.site },
      })
    })

  return {
    evaluate(device, readings) {
      for (const rule of rules) {
        if (rule.kind !== device.kind) continue
        const k = key(rule.id, device.id)
        for (const reading of readings) {
          const value = reading.m[rule.metric]
          if (value === undefined) continue
          // First cut: a reading older than the last one evaluated for this rule is history only.
          if ((lastTs.get(k) ?? Number.NEGATIVE_INFINITY) > reading.ts) continue
          lastTs.set(k, reading.ts)
          const transition = evaluateThreshold(rule, isOpen.has(k), value)
          if (transition === 'raise') {
            isOpen.add(k)
            raise(rule, device, reading.ts, value)
          } else if (transition === 'clear') {
            isOpen.delete(k)
            clear(rule, device, reading.ts, value)
          }
        }
      }
    },
    rulesFor: (kind) => rules.filter((r) => r.kind === kind),
    openAlerts: () => [...records.values()],
    idle: () => chain,
  }
}
