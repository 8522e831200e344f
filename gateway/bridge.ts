/**
 * The uplink: one MQTT connection to the central broker as the gateway account. A fresh client
 * per connection (mqtt.js reconnect off) so nothing is resent behind our back: after a drop the
 * forwarder starts over from the outbox. On connect it publishes its retained status, waits for
 * the centre's retained device list, subscribes to its devices' command topics and starts the
 * forwarder; it relays device status and command acks up, and commands down.
 */
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import {
  cmdTopic,
  type GatewayStatus,
  gatewayDevicesTopic,
  gatewayStatusTopic,
  parseDeviceTopic,
} from '../firmware-contracts/index.js'
import type { GatewayConfig } from './config.js'
import type { SyncedDirectory } from './directory.js'
import type { Forwarder } from './forwarder.js'
import type { GatewayMetrics } from './metrics.js'
import type { Outbox } from './outbox.js'

export interface BridgeDeps {
  config: GatewayConfig
  outbox: Outbox
  directory: SyncedDirectory
  forwarder: Forwarder
  metrics: GatewayMetrics
  log: Logger
  /** Devices that left the list or got a new secret: disconnect them locally. */
  onDevicesChanged(deviceIds: string[]): void
  /** A command from the centre for a local device. */
  onCommand(topic: string, payload: Buffer): void
}

interface Connection {
  client: MqttClient
  forwarding: boolean
  listWaiter?: () => void
  cmdTopics: Set<string>
  /** Rejecters of pass-through publishes (images) waiting for a PUBACK on this connection. */
  waiting: Set<(err: Error) => void>
  lastError?: string
}

export type Bridge = ReturnType<typeof createBridge>

export function createBridge(deps: BridgeDeps) {
  const { config, outbox, directory, forwarder, metrics } = deps
  const log = deps.log.child({ component: 'uplink' })
  const statusTopic = gatewayStatusTopic(config.gatewayId)
  let current: Connection | null = null
  let attempts = 0
  let stopped = false
  let reconnectTimer: NodeJS.Timeout | undefined
  let lostAt: number | undefined
  /** Latest retained device status per topic while the uplink is down (one per device at most). */
  const heldStatuses = new Map<string, Buffer>()

  const connected = () => (current?.client.connected ? current : null)

  async function statusPayload(state: GatewayStatus['state']): Promise<Buffer> {
    const stats = outbox.stats()
    const status: GatewayStatus = {
      state,
      ts: Date.now(),
      backlog: stats.backlog,
      oldestUnsentTs: await outbox.oldestUnsentTs().catch(() => null),
      accepting: stats.accepting,
      devices: directory.size,
    }
    return Buffer.from(JSON.stringify(status))
  }

  async function publishStatus(): Promise<void> {
    const conn = connected()
    if (!conn) return
    const payload = await statusPayload('online')
    conn.client.publish(statusTopic, payload, { qos: 1, retain: true }, (err) => {
      if (err && current === conn) log.warn({ err }, 'gateway status not published')
    })
  }

  function publishNow(topic: string, payload: Buffer, retain = false): Promise<void> {
    const conn = current?.forwarding ? current : null
    if (!conn) return Promise.reject(new Error('uplink is down'))
    return new Promise<void>((resolve, reject) => {
      conn.waiting.add(reject)
      conn.client.publish(topic, payload, { qos: 1, retain }, (err) => {
        conn.waiting.delete(reject)
        if (err) reject(err)
        else resolve()
      })
    })
  }

  async function syncCommandTopics(conn: Connection): Promise<void> {
    const wanted = new Set(directory.ids().map(cmdTopic))
    const add = [...wanted].filter((t) => !conn.cmdTopics.has(t))
    const remove = [...conn.cmdTopics].filter((t) => !wanted.has(t))
    conn.cmdTopics = wanted
    if (add.length > 0) await conn.client.subscribeAsync(add, { qos: 1 })
    if (remove.length > 0) await conn.client.unsubscribeAsync(remove)
  }

  function onMessage(conn: Connection, topic: string, payload: Buffer): void {
    if (topic === gatewayDevicesTopic(config.gatewayId)) {
      void directory.update(payload).then(async (result) => {
        if (!result) return
        metrics.devices.set(directory.size)
        if (result.removed.length > 0) deps.onDevicesChanged(result.removed)
        conn.listWaiter?.()
        if (current === conn && conn.client.connected) {
          await syncCommandTopics(conn).catch((err: unknown) =>
            log.warn({ err }, 'command subscriptions failed'),
          )
        }
      })
      return
    }
    if (parseDeviceTopic(topic)?.channel === 'cmd') deps.onCommand(topic, payload)
  }

  async function onConnect(conn: Connection): Promise<void> {
    attempts = 0
    metrics.uplinkConnects.inc()
    log.info(
      { url: config.centralUrl, downSeconds: lostAt ? Math.round((Date.now() - lostAt) / 1000) : undefined },
      'uplink connected',
    )
    lostAt = undefined
    await publishStatus()
    const listed = new Promise<void>((resolve) => {
      conn.listWaiter = resolve
    })
    let wait: NodeJS.Timeout | undefined
    try {
      await conn.client.subscribeAsync(gatewayDevicesTopic(config.gatewayId), { qos: 1 })
      const timedOut = await Promise.race([
        listed.then(() => false),
        new Promise<boolean>((resolve) => {
          wait = setTimeout(() => resolve(true), config.deviceListWaitMs)
        }),
      ])
      if (timedOut) log.warn('no device list from the centre yet; forwarding with the saved one')
      if (current !== conn) return
      await syncCommandTopics(conn)
    } catch (err) {
      if (current === conn) log.warn({ err }, 'uplink subscriptions failed; reconnecting')
      return drop(conn)
    } finally {
      clearTimeout(wait)
    }
    if (current !== conn) return
    conn.forwarding = true
    metrics.uplinkUp.set(1)
    forwarder.start({
      publish: async (topic, payload) => {
        await conn.client.publishAsync(topic, payload, { qos: 1 })
      },
      fail: () => drop(conn),
      isAssigned: (deviceId) => (directory.fresh ? directory.kindOf(deviceId) !== undefined : undefined),
    })
    for (const [topic, payload] of heldStatuses) {
      // a device unassigned meanwhile would get the gateway disconnected by the centre's ACL
      const deviceId = parseDeviceTopic(topic)?.deviceId
      if (deviceId && directory.kindOf(deviceId))
        conn.client.publish(topic, payload, { qos: 1, retain: true })
    }
    heldStatuses.clear()
  }

  function onClose(conn: Connection): void {
    if (current !== conn) return
    current = null
    forwarder.stop()
    metrics.uplinkUp.set(0)
    for (const reject of conn.waiting) reject(new Error('uplink connection lost'))
    conn.waiting.clear()
    if (conn.forwarding) {
      lostAt = Date.now()
      log.warn('uplink lost; buffering readings in the outbox')
    } else if (attempts === 0 && !stopped) {
      // once per outage, not per retry
      log.warn(
        { err: conn.lastError, url: config.centralUrl },
        'cannot reach the centre; retrying with backoff',
      )
    }
    conn.client.end(true)
    if (!stopped) scheduleReconnect()
  }

  function drop(conn: Connection): void {
    conn.client.end(true)
    onClose(conn)
  }

  function scheduleReconnect(): void {
    const base = Math.min(config.reconnectMaxMs, config.reconnectMs * 2 ** Math.min(attempts, 20))
    attempts++
    const delay = Math.round(base * (0.8 + Math.random() * 0.4))
    log.debug({ delay, attempts }, 'reconnecting to the centre')
    reconnectTimer = setTimeout(connect, delay)
  }

  function connect(): void {
    reconnectTimer = undefined
    if (stopped) return
    const client = mqtt.connect(config.centralUrl, {
      clientId: config.gatewayId,
      username: config.gatewayId,
      password: config.password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: config.keepaliveS,
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify({ state: 'offline' })),
        qos: 1,
        retain: true,
      },
    })
    const conn: Connection = { client, forwarding: false, cmdTopics: new Set(), waiting: new Set() }
    current = conn
    client.on('connect', () => void onConnect(conn))
    client.on('message', (topic, payload) => onMessage(conn, topic, payload))
    client.on('error', (err) => {
      // a CONNACK refusal carries a numeric code: wrong credentials need an operator, not retries
      if (typeof (err as { code?: unknown }).code === 'number') {
        log.error(
          { err: err.message },
          'the centre refused the gateway; check GATEWAY_ID and GATEWAY_PASSWORD',
        )
      } else log.debug({ err: err.message }, 'uplink error')
      conn.lastError = err.message
    })
    client.on('close', () => onClose(conn))
  }

  const statusTimer = setInterval(() => void publishStatus(), config.statusIntervalMs)
  statusTimer.unref()
  const onAccepting = () => void publishStatus()
  outbox.events.on('accepting', onAccepting)

  return {
    start: connect,
    get up(): boolean {
      return current?.forwarding === true && current.client.connected
    },
    /** Passes an image through; resolves on the centre's PUBACK, rejects when the uplink is down. */
    forwardImage: (topic: string, jpeg: Uint8Array) => publishNow(topic, Buffer.from(jpeg)),
    /** A device's status or command ack; a retained status waits for the uplink (latest only). */
    forwardDeviceMessage(topic: string, payload: Buffer, retain: boolean): void {
      publishNow(topic, payload, retain).catch(() => {
        if (retain) heldStatuses.set(topic, payload)
      })
    },
    statusPayload,

    /** Says `offline` (with the backlog) on the way out, then closes the uplink. */
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(reconnectTimer)
      clearInterval(statusTimer)
      outbox.events.off('accepting', onAccepting)
      forwarder.stop()
      const conn = connected()
      if (conn) {
        const payload = await statusPayload('offline')
        await Promise.race([
          conn.client.publishAsync(statusTopic, payload, { qos: 1, retain: true }).catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, 2000)),
        ])
      }
      const last = current
      current = null
      metrics.uplinkUp.set(0)
      if (last) await last.client.endAsync(true).catch(() => {})
    },
  }
}
