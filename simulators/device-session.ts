import { connect, ErrorWithReasonCode, type IClientOptions } from 'mqtt'
import { statusTopic } from '../firmware-contracts/index.js'
import { redactUrl } from './redact-url.js'
import { withTimeout } from './with-timeout.js'

const ONLINE = '{"state":"online"}'
const OFFLINE = '{"state":"offline"}'
/** A device holds at most this many unacknowledged messages; beyond it a stalled broker costs messages, not memory. */
export const MAX_IN_FLIGHT = 20
/** How long stop() waits for the offline status and in-flight acks before closing the socket anyway. */
const STOP_TIMEOUT_MS = 2000
/** CONNACK codes for bad credentials (MQTT 3.1.1: 4, 5; MQTT 5: 134, 135): retrying cannot help. */
const REFUSED_CODES = new Set([4, 5, 134, 135])

export interface DeviceSessionOptions {
  /** Broker URL, e.g. `mqtt://localhost:1883`, `mqtts://…`, `ws://…`. */
  url: string
  deviceId: string
  password: string
  /** Where lifecycle messages and errors go, already prefixed with the device id; default: nowhere. */
  log?: (msg: string) => void
  /** Extra mqtt.js options (TLS, keepalive, reconnectPeriod…); identity, session and will are set here. */
  mqttOptions?: Omit<IClientOptions, 'username' | 'password' | 'clientId' | 'clean' | 'will'>
  /** Aborting while still connecting gives up and rejects; once connected, use stop(). */
  signal?: AbortSignal
}

/**
 * `published`: acknowledged (QoS 1) or written (QoS 0); `offline` and `busy` (too many
 * unacknowledged) were not sent at all; `failed`: sent, but the connection went before the ack.
 */
export type SendResult = 'published' | 'offline' | 'busy' | 'failed'

/** One device's MQTT connection, as a real device holds it: status, will, reconnects, bounded in-flight. */
export interface DeviceSession {
  readonly deviceId: string
  /**
   * Publishes one message under the device's own topics. Never rejects. With `waitForRoom`, a
   * full in-flight window waits for an ack instead of answering `busy` (scenarios use it so a
   * time-compressed replay slows down rather than losing readings).
   */
  send(
    topic: string,
    payload: string | Buffer,
    opts: { qos: 0 | 1; waitForRoom?: boolean },
  ): Promise<SendResult>
  connected(): boolean
  inFlight(): number
  stopping(): boolean
  /** Publishes the offline status (if connected) and closes the connection. Never rejects. */
  stop(): Promise<void>
}

/**
 * Connects as one device: username = client id = device id, a persistent session (QoS 1
 * messages cut off by a drop are redelivered), an `offline` will and an `online` status on every
 * connect. Resolves once the broker accepted the connection; rejects if it refused the
 * credentials or `signal` aborted. Afterwards it never throws: mqtt.js reconnects every 2 s.
 * @example const s = await openDeviceSession({ url: 'mqtt://localhost:1883', deviceId: 'r-01', password: pw })
 */
export function openDeviceSession(opts: DeviceSessionOptions): Promise<DeviceSession> {
  const { deviceId } = opts
  const url = redactUrl(opts.url)
  const log = (msg: string): void => {
    try {
      opts.log?.(`${deviceId}: ${msg}`)
    } catch {
      // A broken logger must not take the device down with it.
    }
  }
  let inFlight = 0
  let everConnected = false
  let lastProblem = ''
  let stopping: Promise<void> | undefined
  const waiters: Array<() => void> = []

  const client = connect(opts.url, {
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    ...opts.mqttOptions,
    username: deviceId,
    password: opts.password,
    clientId: deviceId,
    clean: false,
    will: { topic: statusTopic(deviceId), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
  })

  /** Logs a problem once, not on every reconnect attempt. */
  const problem = (msg: string): void => {
    if (msg === lastProblem) return
    lastProblem = msg
    log(msg)
  }

  const release = (): void => {
    inFlight--
    waiters.shift()?.()
  }

  async function send(
    topic: string,
    payload: string | Buffer,
    sendOpts: { qos: 0 | 1; waitForRoom?: boolean },
  ): Promise<SendResult> {
    while (sendOpts.waitForRoom && client.connected && !stopping && inFlight >= MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
    if (!client.connected || stopping) return 'offline'
    if (inFlight >= MAX_IN_FLIGHT) return 'busy'
    inFlight++
    return new Promise<SendResult>((resolve) => {
      client.publish(topic, payload, { qos: sendOpts.qos }, (err) => {
        release()
        if (err && !stopping) problem(`message on ${topic} not delivered: ${err.message}`)
        resolve(err ? 'failed' : 'published')
      })
    })
  }

  async function shutDown(): Promise<void> {
    // Wake anyone waiting for room: they see `stopping` and give up.
    for (const wake of waiters.splice(0)) wake()
    if (client.connected) {
      try {
        // A clean DISCONNECT suppresses the will, so say "offline" ourselves.
        await withTimeout(
          client.publishAsync(statusTopic(deviceId), OFFLINE, { qos: 1, retain: true }),
          STOP_TIMEOUT_MS,
        )
      } catch (err) {
        log(`offline status not delivered: ${(err as Error).message}`)
      }
    }
    // end(false) waits for every outstanding ack, forever if the broker is gone: only a drained
    // client disconnects politely; otherwise drop the socket (the will then says "offline").
    const polite = client.connected && Object.keys(client.outgoing).length === 0
    try {
      await withTimeout(client.endAsync(!polite), STOP_TIMEOUT_MS)
    } catch (err) {
      log(`closing: ${(err as Error).message}`)
      client.stream?.destroy()
    }
  }

  const session: DeviceSession = {
    deviceId,
    send,
    connected: () => client.connected,
    inFlight: () => inFlight,
    stopping: () => stopping !== undefined,
    stop() {
      stopping ??= shutDown()
      return stopping
    },
  }

  return new Promise<DeviceSession>((resolve, reject) => {
    const giveUp = (err: Error): void => {
      client.end(true)
      reject(err)
    }
    const onAbort = (): void => giveUp(new Error(`${deviceId}: gave up connecting to ${url}`))
    if (opts.signal?.aborted) return onAbort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })

    client.on('connect', () => {
      lastProblem = ''
      log(everConnected ? 'reconnected' : `connected to ${url}`)
      client.publish(statusTopic(deviceId), ONLINE, { qos: 1, retain: true }, (err) => {
        if (err && !stopping) problem(`online status not delivered: ${err.message}`)
      })
      if (everConnected) return
      everConnected = true
      opts.signal?.removeEventListener('abort', onAbort)
      resolve(session)
    })
    client.on('error', (err) => {
      if (err instanceof ErrorWithReasonCode && REFUSED_CODES.has(err.code)) {
        const msg = `broker at ${url} refused the credentials (${err.message}); check the device id and password`
        // mqtt.js stops retrying after a refused CONNACK; so does the device.
        if (!everConnected) return giveUp(new Error(`${deviceId}: ${msg}`))
        return problem(`${msg}; not retrying`)
      }
      problem(`${everConnected ? 'connection error' : `cannot reach ${url}`}: ${err.message}; retrying`)
    })
    client.on('offline', () => {
      // Nobody will ack while offline: waiters get their turn when the next send sees `offline`.
      for (const wake of waiters.splice(0)) wake()
      if (everConnected && !stopping) problem('connection lost; reconnecting')
    })
  })
}
