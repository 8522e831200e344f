import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import type { NotificationDeadLetterStore } from '../../store/meta-store.js'
import type { AlertEvent, Notifier } from '../notifier.js'
import { type Target, targetAddress, targetKey } from './contacts.js'

export type Channel = Target['channel']

/** One message to one address; the same key on every retry, so receivers can drop repeats. */
export interface Delivery {
  target: Target
  event: AlertEvent
  /** `alert-12-raised-0-<hash of the target>`: stable across retries. */
  idempotencyKey: string
  /** 1 on the first try. */
  attempt: number
}

/** A failure the sender knows retrying cannot fix (4xx, no such mailbox): straight to the dead letters. */
export class PermanentDeliveryError extends Error {
  readonly permanent = true
}

export interface ChannelSender {
  channel: Channel
  /** Resolves when the receiver accepted the message; throws to retry (or PermanentDeliveryError). */
  send(delivery: Delivery): Promise<void>
}

export interface RetryPolicy {
  maxAttempts: number
  baseMs: number
  maxMs: number
  queueMax: number
}

/** Deliveries in flight per channel: a slow mail server delays mail, not webhooks and not ingest. */
const CONCURRENCY = 4

export function idempotencyKey(event: AlertEvent, target: Target): string {
  const hash = createHash('sha256').update(targetKey(target)).digest('hex').slice(0, 12)
  return `alert-${event.alert.id}-${event.event}-${event.alert.escalationLevel ?? 0}-${hash}`
}

/**
 * Delivers routed alert events with retries and exponential backoff (with jitter), a bounded queue,
 * and a dead-letter table for what could not be delivered. `notify` only enqueues: the engine and
 * ingest never wait for a receiver.
 */
export function createDispatcher(deps: {
  senders: readonly ChannelSender[]
  route: (event: AlertEvent) => Target[]
  deadLetters: NotificationDeadLetterStore
  retry: RetryPolicy
  log: Logger
  now?: () => number
  random?: () => number
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout }
  metrics?: Registry
}): Notifier & { idle(): Promise<void>; close(): Promise<void>; pending(): number } {
  const log = deps.log.child({ component: 'notify' })
  const now = deps.now ?? Date.now
  const random = deps.random ?? Math.random
  const timers = deps.timers ?? { setTimeout, clearTimeout }
  const senders = new Map(deps.senders.map((s) => [s.channel, s]))
  const counter = deps.metrics
    ? new Counter({
        name: 'mimamori_notifications_total',
        help: 'Alert notifications by channel and result (sent, retry, dead)',
        labelNames: ['channel', 'result'],
        registers: [deps.metrics],
      })
    : undefined
  const queues = new Map<Channel, Delivery[]>()
  const active = new Map<Channel, number>()
  const waiting = new Set<{ timer: ReturnType<typeof setTimeout>; delivery: Delivery }>()
  let inFlight = 0
  let closed = false
  let idleWaiters: Array<() => void> = []

  const pending = () => inFlight + waiting.size + [...queues.values()].reduce((n, q) => n + q.length, 0)
  const settle = () => {
    if (pending() > 0) return
    const waiters = idleWaiters
    idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  const deadLetter = async (delivery: Delivery, error: string) => {
    counter?.inc({ channel: delivery.target.channel, result: 'dead' })
    log.warn(
      {
        channel: delivery.target.channel,
        to: targetAddress(delivery.target),
        attempts: delivery.attempt,
        error,
      },
      'notification dead-lettered',
    )
    try {
      await deps.deadLetters.addNotificationDeadLetter({
        at: now(),
        alertId: delivery.event.alert.id,
        event: delivery.event.event,
        channel: delivery.target.channel,
        target: targetAddress(delivery.target),
        attempts: delivery.attempt,
        error,
        payload: {
          idempotencyKey: delivery.idempotencyKey,
          alert: delivery.event.alert.id,
          message: delivery.event.alert.message,
        },
      })
    } catch (err) {
      log.error({ err }, 'notification dead letter not stored')
    }
  }

  const pump = (channel: Channel) => {
    const queue = queues.get(channel) ?? []
    while ((active.get(channel) ?? 0) < CONCURRENCY && queue.length > 0) {
      const delivery = queue.shift() as Delivery
      active.set(channel, (active.get(channel) ?? 0) + 1)
      inFlight++
      void attempt(delivery).finally(() => {
        active.set(channel, (active.get(channel) ?? 1) - 1)
        inFlight--
        pump(channel)
        settle()
      })
    }
  }

  const enqueue = (delivery: Delivery) => {
    if (pending() >= deps.retry.queueMax) {
      void deadLetter(delivery, 'queue full')
      return
    }
    const queue = queues.get(delivery.target.channel) ?? []
    queue.push(delivery)
    queues.set(delivery.target.channel, queue)
    pump(delivery.target.channel)
  }

  async function attempt(delivery: Delivery) {
    const sender = senders.get(delivery.target.channel)
    if (!sender) return
    try {
      await sender.send(delivery)
      counter?.inc({ channel: delivery.target.channel, result: 'sent' })
      log.debug({ channel: delivery.target.channel, key: delivery.idempotencyKey }, 'notification sent')
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      if (
        (err as { permanent?: boolean }).permanent ||
        delivery.attempt >= deps.retry.maxAttempts ||
        closed
      ) {
        await deadLetter(delivery, message)
        return
      }
      counter?.inc({ channel: delivery.target.channel, result: 'retry' })
      const backoff = Math.min(deps.retry.maxMs, deps.retry.baseMs * 2 ** (delivery.attempt - 1))
      const delay = Math.round(backoff * (0.75 + 0.25 * random()))
      log.info(
        { channel: delivery.target.channel, attempt: delivery.attempt, delayMs: delay, error: message },
        'notification will be retried',
      )
      const next = { ...delivery, attempt: delivery.attempt + 1 }
      const entry = {
        delivery: next,
        timer: timers.setTimeout(() => {
          waiting.delete(entry)
          enqueue(next)
          settle()
        }, delay),
      }
      waiting.add(entry)
    }
  }

  return {
    name: 'dispatch',
    notify(event) {
      if (closed) return
      for (const target of deps.route(event)) {
        if (!senders.has(target.channel)) continue
        enqueue({ target, event, idempotencyKey: idempotencyKey(event, target), attempt: 1 })
      }
    },
    pending,
    idle: () =>
      pending() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    /** Stops retrying; what still waits is dead-lettered (reason `shutdown`), not lost silently. */
    async close() {
      closed = true
      const stranded = [...waiting].map((w) => {
        timers.clearTimeout(w.timer)
        return w.delivery
      })
      waiting.clear()
      for (const queue of queues.values()) stranded.push(...queue.splice(0))
      for (const delivery of stranded) await deadLetter(delivery, 'shutdown')
      settle()
    },
  }
}
