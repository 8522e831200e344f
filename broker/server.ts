/**
 * startBroker: aedes with our hooks, the session store, the listeners, presence and the
 * counters. The composition root (cli/system.ts) and the edge gateway (gateway/server.ts) both
 * call it; everything it needs arrives as arguments.
 */
import { Aedes, type Client } from 'aedes'
import type { Logger } from 'pino'
import type { Acl } from './acl-file.js'
import { loadAclFile } from './acl-file.js'
import { createBrokerHooks } from './aedes-hooks.js'
import { type BrokerConfig, resolveLimits } from './config.js'
import { createAdmission } from './connection-limits.js'
import { FrameGuard, type GuardViolation } from './frame-guard.js'
import type { DeviceDirectory, IngestPort } from './ingest-port.js'
import { kernelHints, readSysctl } from './kernel-hints.js'
import { startListeners } from './listeners.js'
import type { BrokerMetrics } from './metrics.js'
import { openJournal } from './persistence/journal.js'
import { SessionStore } from './persistence/session-store.js'
import { sentDisconnect, trackPresence } from './presence.js'
import { tally } from './tally.js'

export interface BrokerDeps {
  directory: DeviceDirectory
  secretKey: Buffer
  ingest: IngestPort
  metrics: BrokerMetrics
  log: Logger
  /** Overrides MQTT_ACL_FILE (tests, embedding). */
  acl?: Acl
  /**
   * Another aedes persistence (e.g. Redis for scale-out, broker/redis-backplane.ts) instead of the
   * session journal; its owner destroys it after `close()`.
   */
  persistence?: object
  /** Another aedes message bus (mqemitter), e.g. `mqemitter-redis`; `close()` closes it (aedes does). */
  mq?: object
}

export interface RunningBroker {
  aedes: Aedes
  /** The bound ports (useful when the config asked for port 0). */
  port: number
  wsPort: number
  tlsPort?: number
  wssPort?: number
  /** Disconnects a device at once, e.g. after its credentials were revoked or removed. */
  disconnectDevice(deviceId: string): void
  /** Stops accepting connections, closes clients and the broker, and flushes the session journal. */
  close(): Promise<void>
}

/** Why aedes dropped a client, from the error it reports. */
function errorReason(message: string): string {
  if (message === 'keep alive timeout') return 'keepalive_timeout'
  if (message === 'drain timeout') return 'drain_timeout'
  if (message.startsWith('maxInflightInbound')) return 'inflight_limit'
  if (message === 'Client queue limit reached') return 'queue_limit'
  if (message === 'no such packet') return 'queue_full'
  if (message === 'connect did not arrive in time') return 'connect_timeout'
  return 'protocol_error'
}

export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.log.child({ component: 'broker' })
  const limits = resolveLimits(config.limits)
  const { metrics } = deps
  const acl = deps.acl ?? (config.aclFile ? loadAclFile(config.aclFile) : undefined)
  const store = new SessionStore({
    maxQueued: limits.maxQueued,
    ...(config.persistence && !deps.persistence
      ? { journal: openJournal(config.persistence.dir, { ...config.persistence, log }) }
      : {}),
    onDrop: (reason, clientId) => {
      metrics.dropped.inc({ reason })
      log.debug({ clientId, reason }, 'message for a persistent session dropped')
    },
  })
  const hooks = createBrokerHooks({
    ...deps,
    log,
    limits,
    ...(acl ? { acl } : {}),
    allowAnonymous: config.allowAnonymous ?? false,
    ...(deps.persistence
      ? {}
      : {
          retained: { has: (topic: string) => store.hasRetained(topic), count: () => store.retained.size },
          ...(config.persistence ? { journalSettled: () => store.settled() } : {}),
        }),
  })
  const ctx = hooks.context
  const { identityOf: _identityOf, context: _context, direct: _direct, ...aedesHooks } = hooks
  const aedes = await Aedes.createBroker({
    ...aedesHooks,
    persistence: deps.persistence ?? store,
    ...(deps.mq ? { mq: deps.mq as never } : {}),
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    maxClientsIdLength: 64,
    maxInflightInbound: limits.maxInflightIn,
    maxTopicLevels: limits.maxTopicLevels,
  })
  ctx.brokerId.current = aedes.id
  if (!deps.persistence) {
    // an external persistence keeps these sizes itself (e.g. in Redis)
    metrics.stats.retained = () => store.stats().retained
    metrics.stats.queued = () => store.stats().queued
    metrics.stats.sessions = () => store.stats().sessions
  }
  const retained = store.stats()
  if (config.persistence && !deps.persistence)
    log.info({ dir: config.persistence.dir, ...retained }, 'broker sessions restored')

  // the direct path for devices' telemetry needs to see every subscription: not with a shared
  // persistence or message bus (Redis), where other brokers' subscribers are invisible here
  const direct = deps.persistence || deps.mq ? undefined : hooks.direct
  if (direct) for (const filter of store.filters()) direct.subscribed(filter)

  trackPresence(aedes, ctx, log)
  const describe = (client: Client) => {
    const identity = ctx.identities.get(client)
    const conn = client.conn instanceof FrameGuard ? client.conn.info : undefined
    return { clientId: client.id, role: identity?.role, ip: conn?.ip, listener: conn?.listener }
  }
  aedes.on('clientReady', (client) => {
    if (direct && client.conn instanceof FrameGuard) client.conn.direct = direct.forClient(client)
    metrics.connections.inc()
    metrics.connects.inc()
    log.info({ ...describe(client), clean: client.clean }, 'mqtt client connected')
  })
  aedes.on('clientDisconnect', (client) => {
    if (ctx.identities.has(client)) metrics.connections.dec()
    const reason =
      ctx.reasons.get(client) ??
      (sentDisconnect(client)
        ? 'client_disconnect'
        : ctx.latest.get(client.id) !== client && ctx.latest.has(client.id)
          ? 'taken_over'
          : 'connection_lost')
    metrics.disconnects.inc({ reason })
    log.info({ ...describe(client), reason }, 'mqtt client disconnected')
  })
  aedes.on('clientError', (client, err) => {
    if (!ctx.reasons.has(client)) ctx.reasons.set(client, errorReason(err.message))
    log.debug({ clientId: client.id, err: err.message }, 'mqtt client error')
  })
  aedes.on('connectionError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'),
  )
  aedes.on('keepaliveTimeout', (client) => ctx.reasons.set(client, 'keepalive_timeout'))
  // aedes emits 'error' for persistence failures (e.g. while publishing old wills); an unhandled
  // 'error' event would end the process
  ;(aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
    log.error({ err }, 'mqtt broker error'),
  )

  const guards = new Set<FrameGuard>()
  const caps = {
    maxTelemetryBytes: limits.maxTelemetryBytes,
    maxImageBytes: limits.maxImageBytes,
    maxTopicBytes: limits.maxTopicBytes,
    // CONNECT (with its will and credentials), SUBSCRIBE with many filters
    maxControlBytes: Math.max(64 * 1024, limits.maxTelemetryBytes + limits.maxTopicBytes + 1024),
    // up to this, an oversize device payload is cut and dead-lettered (acknowledged); beyond, closed
    maxPacketBytes: 4 * limits.maxImageBytes + limits.maxTopicBytes + 4,
  }
  const bytesIn = tally(metrics.bytesIn).child()
  const bytesOut = tally(metrics.bytesOut).child()
  const guardHooks = {
    violation(guard: FrameGuard, reason: GuardViolation, detail: string) {
      metrics.refused.inc({ reason })
      const client = (guard as unknown as { client?: Client }).client
      if (client) ctx.reasons.set(client, reason)
      log.warn(
        { ip: guard.info.ip, listener: guard.info.listener, clientId: client?.id, reason, detail },
        'mqtt connection closed by the packet size guard',
      )
    },
    bytesIn: (n: number) => bytesIn.inc(n),
    bytesOut: (n: number) => bytesOut.inc(n),
  }
  const admission = createAdmission({
    maxConnections: limits.maxConnections,
    ratePerIp: limits.connRatePerIp,
    burstPerIp: limits.connBurstPerIp,
    exempt: limits.connRateExempt,
  })
  for (const { setting, value, hint } of kernelHints(readSysctl, config.receiveBuffer))
    log.info({ setting, value }, `kernel setting: ${hint}`)
  const listeners = await startListeners(config, {
    admission,
    metrics,
    log,
    maxWsPayload: limits.maxImageBytes + limits.maxTopicBytes + 1024,
    accept(conn, info, req) {
      const guard = new FrameGuard(conn, info, caps, guardHooks)
      guards.add(guard)
      guard.once('close', () => guards.delete(guard))
      aedes.handle(guard, req as never)
    },
  }).catch(async (err: unknown) => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await store.destroy()
    throw err
  })

  return {
    aedes,
    port: listeners.port,
    wsPort: listeners.wsPort,
    ...(listeners.tlsPort === undefined ? {} : { tlsPort: listeners.tlsPort }),
    ...(listeners.wssPort === undefined ? {} : { wssPort: listeners.wssPort }),
    disconnectDevice(deviceId) {
      // aedes keeps clients by client id, which is the device id (auth-policy.ts)
      const client = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[deviceId]
      if (client) {
        log.info({ deviceId }, 'disconnecting device')
        ctx.reasons.set(client, 'credentials_changed')
        client.close()
      }
    },
    async close() {
      listeners.close()
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients
      for (const client of Object.values(clients)) ctx.reasons.set(client, 'broker_shutdown')
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      for (const guard of guards) guard.destroy()
      await store.destroy()
    },
  }
}
