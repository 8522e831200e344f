/** What the connect and publish hooks share: who each client is, and why it went away. */
import type { AuthenticateError, Client } from 'aedes'
import type { Logger } from 'pino'
import type { Acl } from './acl-file.js'
import type { Identity } from './auth-policy.js'
import { createThrottle, type Throttle } from './auth-throttle.js'
import { type BrokerLimits, resolveLimits } from './config.js'
import { type ConnectionInfo, FrameGuard } from './frame-guard.js'
import type { DeviceDirectory, IngestPort } from './ingest-port.js'
import type { BrokerMetrics } from './metrics.js'

export interface HookDeps {
  directory: DeviceDirectory
  secretKey: Buffer
  ingest: IngestPort
  metrics: BrokerMetrics
  log: Logger
  limits: BrokerLimits
  /** Service users and anonymous rights (MQTT_ACL_FILE). */
  acl?: Acl
  allowAnonymous?: boolean
  /** The retained store, for the retained-message cap. */
  retained?: { has(topic: string): boolean; count(): number }
  /**
   * Resolves once every session change so far is in the session journal. aedes writes a QoS 1
   * PUBACK before it queues the message for offline sessions, so a plain QoS 1 publish is
   * published from `authorizePublish` and acknowledged only after this (absent: no journal).
   */
  journalSettled?: () => Promise<void>
  now?: () => number
}

/** A CONNECT as preConnect saw it, before aedes fills in a generated client id. */
export interface ConnectFacts {
  emptyClientId: boolean
  clean: boolean
  will: { topic: string; payload: Buffer; qos: number; retain: boolean } | undefined
}

export interface HookContext {
  deps: HookDeps
  limits: Required<BrokerLimits>
  identities: WeakMap<Client, Identity>
  connects: WeakMap<Client, ConnectFacts>
  /** The newest authenticated client per client id (an older one with the same id is superseded). */
  latest: Map<string, Client>
  /** Why the broker closed a client, when it knows (for logs and the disconnect counter). */
  reasons: WeakMap<Client, string>
  ipThrottle: Throttle
  userThrottle: Throttle
  brokerId: { current: string | undefined }
}

export function createHookContext(deps: HookDeps): HookContext {
  const limits = resolveLimits(deps.limits)
  const throttle = (max: number) =>
    createThrottle({ windowMs: limits.authFailWindowMs, max, ...(deps.now ? { now: deps.now } : {}) })
  return {
    deps,
    limits,
    identities: new WeakMap(),
    connects: new WeakMap(),
    latest: new Map(),
    reasons: new WeakMap(),
    ipThrottle: throttle(limits.authFailMaxPerIp),
    userThrottle: throttle(limits.authFailMaxPerUser),
    brokerId: { current: undefined },
  }
}

export function connectionInfo(client: Client): ConnectionInfo | undefined {
  return client.conn instanceof FrameGuard ? client.conn.info : undefined
}

/** aedes keeps per-client subscriptions on the client; the typings do not show them. */
export function subscriptionsOf(client: Client): Record<string, { qos: number }> {
  return (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions ?? {}
}

/** Is this the newest connection for its client id? (false once a takeover has begun) */
export function isCurrent(ctx: HookContext, client: Client): boolean {
  const latest = ctx.latest.get(client.id)
  return latest === undefined || latest === client
}

// MQTT 3.1.1 §3.2.2.3 CONNACK return codes
export const IDENTIFIER_REJECTED = 2
export const SERVER_UNAVAILABLE = 3
export const BAD_USERNAME_OR_PASSWORD = 4
export const NOT_AUTHORIZED = 5

export function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}
