import type { Logger } from 'pino'
import type { AlertRecord } from '../store/meta-store.js'

export type AlertEventName = 'raised' | 'acknowledged' | 'escalated' | 'cleared'

/** An alert as sent to notifiers and REST clients: the record plus the device's kind and site. */
export type AlertView = AlertRecord & { kind: string; site: string | null }

export interface AlertEvent {
  /** Browsers of the first cut know `raised` and `cleared` and ignore the others. */
  event: AlertEventName
  alert: AlertView
  /**
   * Contact groups this event is for: `raised` the first of the rule's escalation, `escalated` the
   * group it escalated to, `acknowledged`/`cleared` every group told so far.
   */
  groups?: string[]
  /** Who acknowledged (or `system`). */
  actor?: string
  note?: string | null
  /** Words of the rule, for messages. */
  rule?: { label: string; labelJa: string; action?: string; actionJa?: string }
}

/**
 * Anything that delivers alert events (socket.io, the routed webhook/email/LINE dispatcher). The
 * engine never awaits a notifier on the ingest path and isolates each one's failures.
 */
export interface Notifier {
  name: string
  notify(event: AlertEvent): void | Promise<void>
}

/** Hands one event to every notifier; a notifier that throws or rejects is logged and never stops the others. */
export function fanOut(notifiers: readonly Notifier[], event: AlertEvent, log: Logger): void {
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
