import { type DeviceKind, telemetryTopic } from '../../firmware-contracts/index.js'
import { createModel } from '../models/index.js'
import { seedFromString } from '../random.js'
import { LoadConnection, type LoadCounters } from './connection.js'
import { createLatencyHistogram } from './latency.js'
import { publishTemplate } from './packets.js'

export interface LoadDevice {
  deviceId: string
  password: string
  kind: DeviceKind
}

export interface LoadOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string
  devices: readonly LoadDevice[]
  /** Total target rate, messages/s, spread evenly over the devices; omitted = as fast as acks allow. */
  rate?: number
  /**
   * How often a paced run writes, ms (default 5): the messages each device has due go out as one
   * write, so at a high rate per device this sets how many messages share a TCP segment.
   */
  tickMs?: number
  qos: 0 | 1
  /** Stop sending after this long (ms)… */
  durationMs?: number
  /** …or after this many messages in total, whichever comes first. */
  count?: number
  /** Copy-and-patch pre-encoded packets (fastest) instead of model values and JSON.stringify per message. */
  preEncoded?: boolean
  /** Most unacknowledged QoS 1 messages per connection; default 16. */
  window?: number
  /** Source addresses to spread connections over (beyond ~15k to one broker port, one address runs out of ports). */
  localAddresses?: string[]
  /** Connections opened at once while ramping up; default 200. */
  connectConcurrency?: number
  keepaliveS?: number
  /** After sending stops, how long to wait for the last PUBACKs; default 5 s. */
  drainTimeoutMs?: number
  /** Called every `progressIntervalMs` (default 1 s) while sending. */
  onProgress?: (p: LoadProgress) => void
  progressIntervalMs?: number
  log?: (msg: string) => void
  signal?: AbortSignal
}

export interface LoadProgress {
  elapsedS: number
  /** Messages per second over the last interval (acked for QoS 1, sent for QoS 0). */
  rate: number
  sent: number
  acked: number
  errors: number
  connections: number
}

export interface LoadSummary {
  devices: number
  connected: number
  connectFailures: number
  /** The first few connect failures, e.g. refused credentials. */
  failureSamples: string[]
  sent: number
  acked: number
  errors: number
  /** Sent at QoS 1 but never acknowledged (the broker was still behind at the end). */
  unacked: number
  elapsedS: number
  /**
   * Seconds from the end of `elapsedS` until every connection was closed (DISCONNECT, then up to
   * 2 s for the broker to take what is still in flight): a broker keeps reading a QoS 0 backlog
   * meanwhile, so a rate that counts what got through must count this time too.
   */
  closeS: number
  /** acked/s for QoS 1, sent/s for QoS 0, over the sending phase. */
  msgPerS: number
  latencyMs: { p50?: number; p99?: number; max?: number }
}

const DEFAULT_TICK_MS = 5

/**
 * Opens one raw MQTT connection per device and publishes telemetry as fast as `rate` (or the
 * broker) allows, with a bounded window of unacknowledged messages per connection; measures
 * publish → PUBACK latency. Connect failures are counted, not fatal. Resolves with the summary.
 * @example const s = await runLoad({ url: 'mqtt://127.0.0.1:1883', devices, qos: 1, rate: 20000, durationMs: 30000 })
 */
export async function runLoad(opts: LoadOptions): Promise<LoadSummary> {
  const url = new URL(opts.url)
  const secure = url.protocol === 'mqtts:' || url.protocol === 'ssl:'
  const port = Number(url.port || (secure ? 8883 : 1883))
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const localAddresses = opts.localAddresses ?? defaultLocalAddresses(host, opts.devices.length)
  const counters: LoadCounters = { sent: 0, acked: 0, errors: 0, latency: createLatencyHistogram() }
  const log = opts.log ?? (() => {})
  const refill = new Set<LoadConnection>()
  let refillScheduled = false
  let remaining = opts.count ?? Number.POSITIVE_INFINITY
  let sending = false
  const flatOut = opts.rate === undefined
  const flushRefill = (): void => {
    refillScheduled = false
    for (const conn of refill) if (sending && remaining > 0) remaining -= conn.pump(remaining)
    refill.clear()
  }

  const connections = opts.devices.map((d, i) => {
    const topic = telemetryTopic(d.deviceId)
    const model = createModel(d.kind, { seed: seedFromString(d.deviceId) })
    return new LoadConnection({
      host,
      port,
      tls: secure,
      localAddress: localAddresses.length > 0 ? localAddresses[i % localAddresses.length] : undefined,
      deviceId: d.deviceId,
      password: d.password,
      keepaliveS: opts.keepaliveS ?? 60,
      qos: opts.qos,
      window: opts.window ?? 16,
      topic,
      // 8 readings of the model 10 minutes apart: a constant value would look like a stuck
      // sensor to the alert rules and turn a throughput run into an alert storm
      templates: opts.preEncoded
        ? Array.from({ length: 8 }, (_, k) =>
            publishTemplate(topic, model.step(Date.now() + k * 600_000), opts.qos),
          )
        : undefined,
      payload: opts.preEncoded ? undefined : (ts, seq) => JSON.stringify({ ts, seq, m: model.step(ts) }),
      counters,
      connectTimeoutMs: 15_000,
      onRoom: flatOut
        ? (conn) => {
            refill.add(conn)
            if (!refillScheduled) {
              refillScheduled = true
              setImmediate(flushRefill)
            }
          }
        : undefined,
    })
  })

  const failures: string[] = []
  let connectFailures = 0
  await connectAll(connections, opts.connectConcurrency ?? 200, opts.signal, (err) => {
    connectFailures++
    if (failures.length < 5) failures.push(err.message)
  })
  const live = connections.filter((c) => c.alive)
  log(`${live.length} of ${connections.length} devices connected`)

  const started = performance.now()
  let lastTick = started
  let lastReport = { at: started, done: 0 }
  const done = (): number => (opts.qos === 1 ? counters.acked : counters.sent)
  const perConn = opts.rate !== undefined && live.length > 0 ? opts.rate / live.length : 0
  // Staggered start: device i has i/n of a message in hand, so a fleet reporting every 5 s
  // spreads over the 5 s instead of all sending at once.
  const tokens = Float64Array.from(live, (_, i) => i / live.length)
  sending = live.length > 0
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      sending = false
      clearInterval(ticker)
      clearInterval(reporter)
      resolve()
    }
    const ticker = setInterval(() => {
      const now = performance.now()
      const dt = (now - lastTick) / 1000
      lastTick = now
      if (
        opts.signal?.aborted ||
        remaining <= 0 ||
        (opts.durationMs !== undefined && now - started >= opts.durationMs)
      ) {
        return finish()
      }
      if (live.every((c) => !c.alive)) return finish()
      for (let i = 0; i < live.length; i++) {
        const conn = live[i] as LoadConnection
        conn.keepAlive(now)
        if (flatOut) {
          remaining -= conn.pump(remaining)
          continue
        }
        // Token bucket per connection, at most 0.2 s of burst after a stall.
        const t = Math.min((tokens[i] as number) + perConn * dt, Math.max(1, perConn * 0.2))
        const n = Math.min(Math.floor(t), remaining)
        const sent = n > 0 ? conn.pump(n) : 0
        remaining -= sent
        tokens[i] = t - sent
      }
    }, opts.tickMs ?? DEFAULT_TICK_MS)
    const reporter = setInterval(() => {
      const now = performance.now()
      const rate = ((done() - lastReport.done) * 1000) / (now - lastReport.at)
      lastReport = { at: now, done: done() }
      opts.onProgress?.({
        elapsedS: (now - started) / 1000,
        rate,
        sent: counters.sent,
        acked: counters.acked,
        errors: counters.errors,
        connections: live.filter((c) => c.alive).length,
      })
    }, opts.progressIntervalMs ?? 1000)
    if (!sending) finish()
  })
  // Let the last PUBACKs arrive before the clock stops.
  const drainUntil = performance.now() + (opts.drainTimeoutMs ?? 5000)
  while (opts.qos === 1 && live.some((c) => c.alive && c.inFlight > 0) && performance.now() < drainUntil) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const elapsedS = (performance.now() - started) / 1000
  const unacked = opts.qos === 1 ? live.reduce((n, c) => n + c.inFlight, 0) : 0
  await Promise.all(connections.map((c) => c.close()))
  const closeS = (performance.now() - started) / 1000 - elapsedS
  return {
    devices: connections.length,
    connected: live.length,
    connectFailures,
    failureSamples: failures,
    sent: counters.sent,
    acked: counters.acked,
    errors: counters.errors,
    unacked,
    elapsedS,
    closeS,
    msgPerS: elapsedS > 0 ? done() / elapsedS : 0,
    latencyMs: {
      p50: counters.latency.quantile(0.5),
      p99: counters.latency.quantile(0.99),
      max: counters.latency.max(),
    },
  }
}

/** Connections one source address can hold to one broker port (the ephemeral range is ~28k; keep a margin). */
export const CONNECTIONS_PER_ADDRESS = 15_000

/**
 * For a broker on loopback with more devices than one address can carry, 127.0.0.1, 127.0.0.2, …
 * (Linux routes all of 127/8 to lo); otherwise none (the kernel picks).
 * @example defaultLocalAddresses('127.0.0.1', 20000) // ['127.0.0.1', '127.0.0.2']
 */
export function defaultLocalAddresses(host: string, devices: number): string[] {
  const loopback = host === 'localhost' || host.startsWith('127.')
  if (!loopback || devices <= CONNECTIONS_PER_ADDRESS) return []
  return Array.from({ length: Math.ceil(devices / CONNECTIONS_PER_ADDRESS) }, (_, i) => `127.0.0.${i + 1}`)
}

async function connectAll(
  connections: LoadConnection[],
  concurrency: number,
  signal: AbortSignal | undefined,
  onFailure: (err: Error) => void,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < connections.length && !signal?.aborted) {
      const conn = connections[next++] as LoadConnection
      try {
        await conn.connect()
      } catch (err) {
        onFailure(err as Error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, connections.length) }, worker))
}
