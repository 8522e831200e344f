import type { AlertRecord } from '../store/meta-store.js'

export interface AlertEvent {
  event: 'raised' | 'cleared'
  alert: AlertRecord & { kind: string; site: string | null }
}

/**
 * Anything that delivers alert events (socket.io now; webhook, email, LINE later). The engine
 * never awaits a notifier on the ingest path and isolates each one's failures.
 */
export interface Notifier {
  name: string
  notify(event: AlertEvent): void | Promise<void>
}
