/**
 * A connected device's own telemetry, taken straight from its socket by the frame guard
 * (frame-guard.ts `DirectPublish`). It gets what `authorizePublish` gives it on the aedes path —
 * counted, handed to ingest, acknowledged once stored, the connection closed unacknowledged if the
 * store fails — without mqtt-packet's parser, aedes's publish handler and its message bus, which
 * together cost about a third of the server's CPU per message (docs/benchmarks.md).
 *
 * aedes still gets every message someone may receive: once a subscription that can match a
 * device's telemetry topic has been granted (or restored from the session journal), that device's
 * telemetry goes through aedes, which forwards it and queues it for offline sessions. Granted
 * filters are only ever added, so a stale answer can only send a message the slower way. Brokers
 * that share subscriptions through Redis cannot see the other nodes' and never take the direct path.
 */
import type { Client } from 'aedes'
import { telemetryTopic } from '../firmware-contracts/index.js'
import type { DirectPublish } from './frame-guard.js'
import type { HookContext } from './hook-context.js'
import { InFlightBudget } from './in-flight-budget.js'
import { filtersOverlap, topicMatches } from './topic-match.js'

export interface DirectTelemetry {
  /** The direct path for a client that just connected, or undefined when it is not a device. */
  forClient(client: Client): DirectPublish | undefined
  /** A subscription was granted or restored; the telemetry it can match goes through aedes. */
  subscribed(filter: string): void
  /** Messages taken from all sockets and not stored yet, and the connections waiting for room. */
  inFlight(): { inFlight: number; waiting: number }
}

/** Every device's telemetry topic, as a filter: a subscription that overlaps it may receive some. */
const ANY_TELEMETRY = telemetryTopic('+')

/**
 * Messages taken from all sockets and not yet stored (in-flight-budget.ts): a few group commits'
 * worth at the sustainable rate, so the writer always has its next batch while the GC's young
 * generation holds no more than that.
 */
export const DIRECT_IN_FLIGHT_LIMIT = 4096

export function createDirectTelemetry(
  ctx: HookContext,
  /** The counters `authorizePublish` increments for a device's telemetry. */
  counted: (qos: 0 | 1) => void,
): DirectTelemetry {
  const { ingest, log } = ctx.deps
  const filters = new Set<string>()
  const budget = new InFlightBudget(DIRECT_IN_FLIGHT_LIMIT)

  return {
    inFlight: () => budget.state(),

    subscribed(filter) {
      if (filtersOverlap(filter, ANY_TELEMETRY)) filters.add(filter)
    },

    forClient(client) {
      const identity = ctx.identities.get(client)
      if (identity?.role !== 'device') return undefined
      const { deviceId } = identity
      const topic = telemetryTopic(deviceId)
      // aedes's keepalive timer, refreshed by aedes for every packet it parses itself
      const keepalive = client as unknown as { _keepaliveTimer?: NodeJS.Timeout | null }
      let checkedAt = -1 // filters.size when `forwarded` was decided (the set only grows)
      let forwarded = false
      return {
        topic: Buffer.from(topic),
        budget,
        take(payload, qos) {
          if (filters.size !== checkedAt) {
            checkedAt = filters.size
            forwarded = [...filters].some((filter) => topicMatches(filter, topic))
          }
          if (forwarded) return undefined
          counted(qos)
          return ingest.telemetry(deviceId, topic, payload)
        },
        active() {
          keepalive._keepaliveTimer?.refresh()
        },
        failed(err) {
          log.error({ err, deviceId, client: client.id }, 'telemetry not stored; not acknowledging')
          ctx.reasons.set(client, 'store_failed')
        },
      }
    },
  }
}
