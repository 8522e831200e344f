/**
 * aedes callbacks as thin adapters over auth-policy.ts and the ingest port. Nothing here throws
 * inside an aedes callback: every refusal is answered through the callback, counted and logged.
 */
import type { AedesOptions, AuthenticateError, Client, Subscription } from 'aedes'
import type { Logger } from 'pino'
import type { z } from 'zod'
import {
  type GatewayStatus,
  GatewayStatusSchema,
  looksLikeJpeg,
  StatusSchema,
} from '../firmware-contracts/index.js'
import { canPublish, canSubscribe, clientIdMatches, type Identity, identityName } from './auth-policy.js'
import { verifyDeviceSecret } from './device-secrets.js'
import type { DeviceDirectory, IngestPort } from './ingest-port.js'
import type { BrokerMetrics } from './metrics.js'

export interface HookDeps {
  directory: DeviceDirectory
  secretKey: Buffer
  ingest: IngestPort
  metrics: BrokerMetrics
  log: Logger
  limits: { maxTelemetryBytes: number; maxImageBytes: number; maxStatusBytes: number }
}

export interface BrokerHooks
  extends Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>> {
  identityOf(client: Client): Identity | undefined
}

// MQTT 3.1.1 §3.2.2.3 CONNACK return codes
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
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

export function createBrokerHooks(deps: HookDeps): BrokerHooks {
  const { directory, secretKey, ingest, metrics, log, limits } = deps
  const identities = new WeakMap<Client, Identity>()
  const gatewayOf = (deviceId: string) => directory.get(deviceId)?.gatewayId

  const refuseConnect = (
    client: Client,
    reason: string,
    returnCode: number,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ) => {
    metrics.authFailures.inc({ reason })
    log.warn({ clientId: client.id, reason }, 'mqtt connect refused')
    done(authError(reason, returnCode), false)
  }

  return {
    identityOf: (client) => identities.get(client),

    authenticate(client, username, password, done) {
      if (!username || !password)
        return refuseConnect(client, 'missing_credentials', BAD_USERNAME_OR_PASSWORD, done)
      const device = directory.get(username)
      const account = device ?? directory.getGateway(username)
      if (!account) return refuseConnect(client, 'unknown_device', BAD_USERNAME_OR_PASSWORD, done)
      if (account.revokedAt !== null) return refuseConnect(client, 'revoked', NOT_AUTHORIZED, done)
      if (!verifyDeviceSecret(secretKey, password.toString('utf8'), account.secretHash)) {
        return refuseConnect(client, 'bad_password', BAD_USERNAME_OR_PASSWORD, done)
      }
      const identity: Identity = device
        ? { role: 'device', deviceId: account.id }
        : { role: 'gateway', gatewayId: account.id }
      if (!clientIdMatches(identity, client.id)) {
        return refuseConnect(client, 'client_id_mismatch', NOT_AUTHORIZED, done)
      }
      identities.set(client, identity)
      done(null, true)
    },

    authorizePublish(client, packet, done) {
      // Broker-internal publishes (wills of gone clients, $SYS) arrive without a client.
      if (!client) return packet.topic.startsWith('$SYS/') ? done(new Error('$SYS is reserved')) : done(null)
      const identity = identities.get(client)
      if (!identity) return done(new Error('not authenticated'))
      const decision = canPublish(identity, packet.topic, gatewayOf)
      const payload = packet.payload as Buffer
      const who = identityName(identity)
      if (!decision.allowed) {
        // MQTT-3.3.5-2: a refused publish cannot be NACKed in 3.1.1, so the client is disconnected.
        metrics.refused.inc({ reason: 'acl' })
        log.warn({ client: who, topic: packet.topic, reason: decision.reason }, 'publish refused')
        ingest.refused({
          deviceId: who,
          topic: packet.topic,
          reason: 'acl',
          detail: decision.reason,
          payload,
        })
        return done(new Error(decision.reason))
      }
      // for a gateway, the device it forwards for; for a device, itself
      const deviceId = decision.deviceId ?? who
      const refuse = (reason: 'oversize' | 'bad_image' | 'schema', detail: string) => {
        metrics.refused.inc({ reason })
        ingest.refused({ deviceId, topic: packet.topic, reason, detail, payload })
        // Acknowledge anyway (DESIGN.md: a persistent session must not resend it forever).
        done(null)
      }
      const ackWhenStored = (work: Promise<void>, what: string) =>
        work.then(
          () => done(null),
          (err: unknown) => {
            // Without a PUBACK the device (or gateway) keeps the message and resends it later.
            log.error({ err, deviceId, client: who }, `${what} not stored; not acknowledging`)
            done(err as Error)
          },
        )
      metrics.messages.inc({ channel: decision.channel })
      switch (decision.channel) {
        case 'telemetry':
          if (payload.length > limits.maxTelemetryBytes) {
            return refuse('oversize', `${payload.length} bytes > ${limits.maxTelemetryBytes}`)
          }
          return void ackWhenStored(ingest.telemetry(deviceId, packet.topic, payload), 'telemetry')
        case 'image':
          if (payload.length > limits.maxImageBytes) {
            return refuse('oversize', `${payload.length} bytes > ${limits.maxImageBytes}`)
          }
          if (!looksLikeJpeg(payload))
            return refuse('bad_image', 'payload is not a JPEG (no FF D8 FF marker)')
          return void ackWhenStored(
            ingest.image(deviceId, packet.topic, decision.captureTsMs as number, payload),
            'image',
          )
        case 'status':
        case 'gateway-status': {
          if (payload.length > limits.maxStatusBytes) {
            return refuse('oversize', `${payload.length} bytes > ${limits.maxStatusBytes}`)
          }
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
      if (identity && canSubscribe(identity, subscription.topic, gatewayOf)) return done(null, subscription)
      metrics.refused.inc({ reason: 'subscribe_acl' })
      log.warn({ clientId: client.id, topic: subscription.topic }, 'subscription refused')
      // null answers SUBACK 0x80 for this filter (MQTT-3.9.3) and keeps the connection
      done(null, null)
    },
  }
}
