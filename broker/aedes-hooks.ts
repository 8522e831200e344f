/**
 * aedes callbacks as thin adapters over auth-policy.ts and the ingest port. Nothing here throws
 * inside an aedes callback: every refusal is answered through the callback, counted and logged.
 */
import type { AedesOptions, Client, PublishPacket, Subscription } from 'aedes'
import type { z } from 'zod'
import {
  type GatewayStatus,
  GatewayStatusSchema,
  looksLikeJpeg,
  StatusSchema,
  statusTopic,
} from '../firmware-contracts/index.js'
import {
  canPublish,
  canReceive,
  canSubscribe,
  DIVERTED_TOPIC,
  type Identity,
  identityName,
} from './auth-policy.js'
import { createConnectHooks } from './connect-hooks.js'
import { createDirectTelemetry, type DirectTelemetry } from './direct-telemetry.js'
import { FrameGuard } from './frame-guard.js'
import {
  createHookContext,
  type HookContext,
  type HookDeps,
  isCurrent,
  subscriptionsOf,
} from './hook-context.js'
import { type TallyChild, tally } from './tally.js'
import { topicMatches } from './topic-match.js'

export type { HookDeps } from './hook-context.js'

export interface BrokerHooks
  extends Required<
    Pick<
      AedesOptions,
      'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
    >
  > {
  identityOf(client: Client): Identity | undefined
  /** The state shared by the hooks, for server.ts (presence, disconnect reasons). */
  context: HookContext
  /** Devices' own telemetry taken without aedes; every granted subscription is reported to it. */
  direct: DirectTelemetry
}

function parseJson<T>(
  payload: Buffer,
  schema: z.ZodType<T>,
): { success: true; data: T } | { success: false; error: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    return { success: false, error: 'not JSON' }
  }
  const result = schema.safeParse(parsed)
  return result.success
    ? { success: true, data: result.data }
    : { success: false, error: result.error.issues[0]?.message ?? 'schema' }
}

interface BrokerPublish {
  publish(packet: object, client: Client, done: (err?: Error | null) => void): void
}

/** A refused message that is still acknowledged goes nowhere: no subscriber, not retained. */
function divert(packet: PublishPacket) {
  packet.topic = DIVERTED_TOPIC
  packet.retain = false
}

export function createBrokerHooks(deps: HookDeps): BrokerHooks {
  const ctx = createHookContext(deps)
  const { directory, ingest, metrics, log } = deps
  const { limits, identities } = ctx
  const gatewayOf = (deviceId: string) => directory.get(deviceId)?.gatewayId
  const qosOut = [0, 1, 2].map((q) => metrics.messagesOut.labels(String(q)))
  const qosIn = [0, 1, 2].map((q) => tally(metrics.messagesIn).child({ qos: String(q) }))
  const messagesByChannel = tally(metrics.messages)
  const byChannel = new Map<string, TallyChild>()
  const countChannel = (channel: string) => {
    let counter = byChannel.get(channel)
    if (!counter) {
      counter = messagesByChannel.child({ channel })
      byChannel.set(channel, counter)
    }
    counter.inc()
  }
  const direct = createDirectTelemetry(ctx, (qos) => {
    qosIn[qos]?.inc()
    countChannel('telemetry')
  })
  metrics.stats.direct = direct.inFlight

  /** Acknowledges once ingest stored the message; without a PUBACK the device resends it later. */
  function ackWhenStored(
    work: Promise<void>,
    client: Client,
    deviceId: string,
    what: string,
    done: (error?: Error | null) => void,
  ) {
    work.then(
      () => done(null),
      (err: unknown) => {
        log.error({ err, deviceId, client: client.id }, `${what} not stored; not acknowledging`)
        ctx.reasons.set(client, 'store_failed')
        done(err as Error)
      },
    )
  }

  /** A will of an earlier broker run (or of a connection that was taken over) must not undo `online`. */
  const staleWill = (
    client: Client | null,
    packet: PublishPacket & { brokerId?: string; clientId?: string },
  ) => {
    const brokerId = packet.brokerId
    const fromEarlierRun = typeof brokerId === 'string' && brokerId !== ctx.brokerId.current
    const clientId = client?.id ?? packet.clientId
    if (fromEarlierRun && clientId) {
      const live = ctx.latest.get(clientId)
      return live !== undefined && !live.closed
    }
    return client?.closed && !isCurrent(ctx, client) && packet.topic === statusTopic(client.id)
  }

  const disconnectFor = (client: Client, reason: string, err: Error, done: (e?: Error | null) => void) => {
    ctx.reasons.set(client, reason)
    done(err)
  }

  return {
    ...createConnectHooks(ctx),
    identityOf: (client) => identities.get(client),
    context: ctx,
    direct,

    authorizePublish(client, packet, done) {
      if (staleWill(client, packet)) {
        metrics.dropped.inc({ reason: 'stale_will' })
        divert(packet)
        return done(null)
      }
      // Broker-internal publishes (wills of gone clients, $SYS) arrive without a client.
      if (!client) return packet.topic.startsWith('$SYS/') ? done(new Error('$SYS is reserved')) : done(null)
      const identity = identities.get(client)
      if (!identity) return done(new Error('not authenticated'))
      qosIn[packet.qos]?.inc()
      const who = identityName(identity)
      const payload = packet.payload as Buffer
      if (packet.topic.length > limits.maxTopicBytes) {
        metrics.refused.inc({ reason: 'topic_too_long' })
        log.warn({ client: who, bytes: packet.topic.length }, 'publish refused: topic too long')
        return disconnectFor(client, 'topic_too_long', new Error('topic too long'), done)
      }
      const retainedStore = deps.retained
      if (
        packet.retain &&
        payload.length > 0 &&
        retainedStore &&
        !retainedStore.has(packet.topic) &&
        retainedStore.count() >= limits.maxRetained
      ) {
        metrics.refused.inc({ reason: 'retained_cap' })
        log.warn(
          { client: who, topic: packet.topic, max: limits.maxRetained },
          'publish refused: retained cap',
        )
        return disconnectFor(client, 'retained_cap', new Error('retained message cap reached'), done)
      }
      const decision = canPublish(identity, packet.topic, gatewayOf)
      if (!decision.allowed) {
        // MQTT-3.3.5-2: a refused publish cannot be NACKed in 3.1.1, so the client is disconnected.
        metrics.refused.inc({ reason: 'acl' })
        log.warn({ client: who, topic: packet.topic, reason: decision.reason }, 'publish refused')
        if (identity.role === 'device' || identity.role === 'gateway') {
          ingest.refused({
            deviceId: who,
            topic: packet.topic,
            reason: 'acl',
            detail: decision.reason,
            payload,
          })
        }
        return disconnectFor(client, 'publish_denied', new Error(decision.reason), done)
      }
      countChannel(decision.channel)
      if (decision.channel === 'plain') {
        const settled = deps.journalSettled
        if (packet.qos !== 1 || !settled) return done(null)
        // MQTT-4.3.2-2 durability for persistent sessions: aedes would PUBACK first and queue for
        // offline subscribers after, so a crash in between lost queued commands (tests/chaos
        // broker-restart). Publish now, wait for the journal, then acknowledge; the original
        // packet goes nowhere.
        const copy = {
          cmd: 'publish',
          topic: packet.topic,
          payload,
          qos: 1,
          retain: packet.retain,
          dup: false,
        }
        // the broker-level publish with the client (retained, offline queues, live subscribers)
        const broker = (client as unknown as { broker: BrokerPublish }).broker
        return broker.publish(copy, client, (err?: Error | null) => {
          if (err) return done(err)
          divert(packet)
          settled().then(
            () => done(null),
            (journalErr: Error) => {
              log.error({ err: journalErr, client: who }, 'session journal write failed; not acknowledging')
              done(journalErr)
            },
          )
        })
      }
      // for a gateway, the device it forwards for; for a device, itself
      const deviceId = decision.deviceId ?? who
      // the common case first, without the closures the rarer branches need
      if (decision.channel === 'telemetry' && payload.length <= limits.maxTelemetryBytes) {
        return ackWhenStored(
          ingest.telemetry(deviceId, packet.topic, payload),
          client,
          deviceId,
          'telemetry',
          done,
        )
      }
      const refuse = (reason: 'oversize' | 'bad_image' | 'schema', detail: string) => {
        metrics.refused.inc({ reason })
        ingest.refused({ deviceId, topic: packet.topic, reason, detail, payload })
        divert(packet)
        // Acknowledge anyway (DESIGN.md: a persistent session must not resend it forever).
        done(null)
      }
      const oversize = (cap: number) => {
        // the frame guard cut the payload to cap + 1 bytes and knows the declared size
        const declared = client.conn instanceof FrameGuard ? client.conn.truncated.shift() : undefined
        refuse('oversize', `${declared ?? payload.length} bytes > ${cap}`)
      }
      switch (decision.channel) {
        case 'telemetry':
          return oversize(limits.maxTelemetryBytes) // the size check above let only these through
        case 'image':
          if (payload.length > limits.maxImageBytes) return oversize(limits.maxImageBytes)
          if (!looksLikeJpeg(payload))
            return refuse('bad_image', 'payload is not a JPEG (no FF D8 FF marker)')
          return ackWhenStored(
            ingest.image(deviceId, packet.topic, decision.captureTsMs as number, payload),
            client,
            deviceId,
            'image',
            done,
          )
        case 'status':
        case 'gateway-status': {
          if (payload.length > limits.maxStatusBytes) return oversize(limits.maxStatusBytes)
          if (payload.length === 0 && packet.retain) return done(null) // clears the retained status
          const status = parseJson(
            payload,
            decision.channel === 'status' ? StatusSchema : GatewayStatusSchema,
          )
          if (!status.success) return refuse('schema', status.error)
          if (decision.channel === 'gateway-status') ingest.gatewayStatus?.(who, status.data as GatewayStatus)
          return done(null)
        }
        default:
          return done(null)
      }
    },

    authorizeSubscribe(client, subscription: Subscription, done) {
      const identity = identities.get(client)
      const refuse = (reason: string) => {
        metrics.refused.inc({ reason })
        log.warn(
          { clientId: client.id, topic: subscription.topic.slice(0, 200), reason },
          'subscription refused',
        )
        // null answers SUBACK 0x80 for this filter (MQTT-3.9.3) and keeps the connection
        done(null, null)
      }
      if (!identity) return refuse('subscribe_acl')
      if (subscription.topic.length > limits.maxTopicBytes) return refuse('topic_too_long')
      const current = subscriptionsOf(client)
      if (!(subscription.topic in current) && Object.keys(current).length >= limits.maxSubscriptions) {
        return refuse('subscription_limit')
      }
      if (!canSubscribe(identity, subscription.topic, gatewayOf)) return refuse('subscribe_acl')
      direct.subscribed(subscription.topic)
      done(null, subscription)
    },

    authorizeForward(client, packet) {
      const identity = identities.get(client)
      if (!identity) return null
      if (identity.role !== 'device' && identity.role !== 'gateway' && !canReceive(identity, packet.topic)) {
        return null
      }
      // MQTT-3.8.4-6: deliver at the lower of the published QoS and the best matching grant
      // (aedes downgrades only when the filter equals the topic)
      let granted = -1
      for (const [filter, sub] of Object.entries(subscriptionsOf(client))) {
        if (sub.qos > granted && topicMatches(filter, packet.topic)) granted = sub.qos
      }
      const qos = (granted < 0 ? packet.qos : Math.min(packet.qos, granted)) as 0 | 1 | 2
      qosOut[qos]?.inc()
      if (qos === packet.qos) return packet
      return Object.assign(Object.create(Object.getPrototypeOf(packet)), packet, { qos })
    },
  }
}
