/**
 * The forwarding loop of one uplink session. Two cursors read the outbox side by side: the live
 * one from where the outbox ended when the uplink came up (unthrottled, so new readings are not
 * starved behind the backlog) and the backfill one from the oldest unacknowledged entry up to
 * that point, paced by a token bucket at GATEWAY_BACKFILL_RATE readings/s. An entry is marked
 * sent only on the centre's PUBACK; whatever is in flight when the session ends is simply read
 * again by the next session (the centre deduplicates by (deviceId, seq, ts)).
 */
import type { Logger } from 'pino'
import { backfillMessages, liveMessages, type OutgoingMessage, TokenBucket } from './messages.js'
import type { GatewayMetrics } from './metrics.js'
import type { Outbox } from './outbox.js'
import type { OutboxEntry, OutboxReader } from './outbox-reader.js'

/** One connected uplink: publish resolves on the centre's PUBACK (QoS 1). */
export interface UplinkSession {
  publish(topic: string, payload: Buffer): Promise<void>
  /** The session cannot go on (a publish failed): drop the connection and start over. */
  fail(err: Error): void
  /** Whether the device is assigned to this gateway, or undefined when the centre has not said. */
  isAssigned(deviceId: string): boolean | undefined
}

export interface ForwarderOptions {
  outbox: Outbox
  /** Backlog readings per second. */
  rate: number
  maxBatchBytes: number
  log: Logger
  metrics: GatewayMetrics
  /** Live messages in flight at once; past it the live cursor waits (the outbox holds the rest). */
  maxLiveInflight?: number
  tickMs?: number
  now?: () => number
}

interface Session {
  uplink: UplinkSession
  live: OutboxReader
  backfill: OutboxReader
  liveStart: number
  bucket: TokenBucket
  liveInflight: number
  backfillInflight: number
  livePumping: boolean
  liveAgain: boolean
  backfillPumping: boolean
  backfilled: number
  startedAt: number
  reported: boolean
}

export type Forwarder = ReturnType<typeof createForwarder>

export function createForwarder(options: ForwarderOptions) {
  const { outbox, rate, maxBatchBytes, metrics } = options
  const log = options.log.child({ component: 'forwarder' })
  const maxLiveInflight = options.maxLiveInflight ?? 500
  const maxBackfillInflight = Math.max(100, rate)
  const now = options.now ?? Date.now
  let session: Session | null = null
  let timer: NodeJS.Timeout | undefined

  /** Entries for devices the centre no longer assigns to us would get the uplink dropped (ACL). */
  const deliverable = (s: Session, entries: OutboxEntry[]) =>
    entries.filter(({ index, record }) => {
      if (s.uplink.isAssigned(record.deviceId) !== false) return true
      metrics.dropped.inc({ reason: 'device_unassigned' })
      log.error(
        { deviceId: record.deviceId, index },
        'device is no longer assigned to this gateway; dropping its buffered reading',
      )
      outbox.ack(index)
      return false
    })

  function send(s: Session, message: OutgoingMessage, path: 'live' | 'backfill'): void {
    const n = message.indices.length
    if (path === 'live') s.liveInflight += n
    else s.backfillInflight += n
    const settle = () => {
      if (path === 'live') s.liveInflight -= n
      else s.backfillInflight -= n
    }
    s.uplink.publish(message.topic, message.payload).then(
      () => {
        settle()
        if (session !== s) return // acked by a connection already replaced: resent anyway
        for (const index of message.indices) outbox.ack(index)
        metrics.forwarded.inc({ path }, n)
        if (path === 'backfill') s.backfilled += n
        if (path === 'live') void pumpLive(s)
      },
      (err: unknown) => {
        settle()
        if (session !== s) return
        log.warn({ err, deviceId: message.deviceId, path }, 'uplink publish failed; reconnecting')
        s.uplink.fail(err as Error)
      },
    )
  }

  async function pumpLive(s: Session): Promise<void> {
    if (s.livePumping) {
      s.liveAgain = true
      return
    }
    s.livePumping = true
    try {
      do {
        s.liveAgain = false
        while (session === s && s.liveInflight < maxLiveInflight) {
          const entries = await s.live.read(maxLiveInflight - s.liveInflight)
          if (entries.length === 0 || session !== s) break
          for (const message of liveMessages(deliverable(s, entries), maxBatchBytes)) send(s, message, 'live')
        }
      } while (s.liveAgain && session === s)
    } catch (err) {
      if (session === s) log.error({ err }, 'reading the outbox failed (live)')
    } finally {
      s.livePumping = false
    }
  }

  async function pumpBackfill(s: Session): Promise<void> {
    if (s.backfillPumping || session !== s) return
    if (s.backfill.index >= s.liveStart) {
      if (!s.reported && s.backfillInflight === 0) {
        s.reported = true
        if (s.backfilled > 0) {
          const seconds = (now() - s.startedAt) / 1000
          const perSecond = Math.round(s.backfilled / Math.max(seconds, 0.001))
          log.info({ readings: s.backfilled, seconds, perSecond }, 'backlog sent')
        }
      }
      return
    }
    const room = maxBackfillInflight - s.backfillInflight
    const budget = Math.min(s.bucket.available(), room)
    if (budget <= 0) return
    s.backfillPumping = true
    try {
      const entries = await s.backfill.read(budget, s.liveStart, outbox.isAcked)
      if (session !== s) return
      s.bucket.take(entries.length)
      for (const message of backfillMessages(deliverable(s, entries), maxBatchBytes)) {
        send(s, message, 'backfill')
      }
    } catch (err) {
      if (session === s) log.error({ err }, 'reading the outbox failed (backfill)')
    } finally {
      s.backfillPumping = false
    }
  }

  const onFlushed = () => {
    if (session) void pumpLive(session)
  }
  outbox.events.on('flushed', onFlushed)

  return {
    /** Begins forwarding over a fresh uplink session. */
    start(uplink: UplinkSession): void {
      this.stop()
      const liveStart = outbox.durableTail
      const s: Session = {
        uplink,
        live: outbox.reader(liveStart),
        backfill: outbox.reader(outbox.head),
        liveStart,
        bucket: new TokenBucket(rate, now),
        liveInflight: 0,
        backfillInflight: 0,
        livePumping: false,
        liveAgain: false,
        backfillPumping: false,
        backfilled: 0,
        startedAt: now(),
        reported: false,
      }
      session = s
      const backlog = outbox.stats().backlog
      if (backlog > 0) log.info({ backlog, rate }, 'sending the backlog')
      timer = setInterval(() => void pumpBackfill(s), options.tickMs ?? 100)
      void pumpBackfill(s)
      void pumpLive(s)
    },

    /** The uplink is gone: stop reading; in-flight entries stay in the outbox. */
    stop(): void {
      clearInterval(timer)
      timer = undefined
      const s = session
      session = null
      if (s) {
        void s.live.close()
        void s.backfill.close()
      }
    },

    get backfilling(): boolean {
      return session !== null && session.backfill.index < session.liveStart
    },

    close(): void {
      this.stop()
      outbox.events.off('flushed', onFlushed)
    },
  }
}
