import type { IClientOptions } from 'mqtt'
import { type DeviceKind, telemetryTopic, UINT32_MAX } from '../firmware-contracts/index.js'
import { type DeviceSession, MAX_IN_FLIGHT, openDeviceSession, type SendResult } from './device-session.js'
import { createModel, type DeviceModel } from './models/index.js'
import { seedFromString } from './random.js'

/** One telemetry reading as published: `{ ts, seq, m }` (see firmware-contracts/telemetry.ts). */
export interface SimulatedReading {
  ts: number
  seq: number
  m: Record<string, number>
}

export interface SimulatedDeviceOptions {
  /** Broker URL, e.g. `mqtt://localhost:1883`, `mqtts://…`, `ws://…`. */
  url: string
  deviceId: string
  password: string
  kind: DeviceKind
  /** Wall-clock time between readings. */
  intervalMs: number
  /** Default: derived from the device id, so a device replays the same series on every run. */
  seed?: number
  /** Use the scripted demo profile that crosses the default alert thresholds within a minute. */
  demo?: boolean
  /** Telemetry QoS; default 1 (the status messages are always QoS 1). */
  qos?: 0 | 1
  /** Where lifecycle messages and errors go; default: nowhere. */
  log?: (msg: string) => void
  /** Extra mqtt.js options (TLS, keepalive, reconnectPeriod…); identity, session and will are set here. */
  mqttOptions?: Omit<IClientOptions, 'username' | 'password' | 'clientId' | 'clean' | 'will'>
  /** Wait this long after connecting before the first reading, to spread a fleet over the interval. */
  firstReadingDelayMs?: number
  /** First sequence number; default 0 (as after a reboot). */
  startSeq?: number
  /** Called after each reading the broker accepted, with the running count. */
  onPublished?: (count: number, reading: SimulatedReading) => void
  /** Aborting while still connecting gives up and rejects; once connected, use stop(). */
  signal?: AbortSignal
  /** Clock for `ts` and the model; default Date.now. */
  now?: () => number
  /** The physics; default createModel(kind, { seed, demo }), starting at the first reading. */
  model?: DeviceModel
}

export interface SimulatedDevice {
  readonly deviceId: string
  /** Publishes the offline status (if connected), stops the readings, closes the connection. Never rejects. */
  stop(): Promise<void>
  /** Telemetry messages the broker acknowledged (QoS 1) or that went out on the socket (QoS 0). */
  published(): number
  /** Readings measured but not sent because the device was offline or too many were unacknowledged. */
  skipped(): number
  /** The most recent reading handed to MQTT. */
  lastReading(): SimulatedReading | undefined
  connected(): boolean
  /**
   * Publishes something else on the same connection (e.g. a camera image of a reservoir
   * station); shares the in-flight bound with the readings. Never rejects.
   */
  send(topic: string, payload: string | Buffer, qos: 0 | 1): Promise<SendResult>
}

/**
 * Connects one simulated device and publishes a reading every `intervalMs`. Resolves once the
 * broker accepted the connection; rejects if it refused the credentials or `signal` aborted.
 * While running it never throws: broker restarts are ridden out by mqtt.js reconnects, errors
 * go to `log`. `seq` counts every reading measured, so readings skipped while offline show as gaps.
 * @example const dev = await startSimulatedDevice({ url: 'mqtt://localhost:1883', deviceId: 'p-01', password: pw, kind: 'paddy', intervalMs: 5000 })
 */
export async function startSimulatedDevice(opts: SimulatedDeviceOptions): Promise<SimulatedDevice> {
  const { deviceId, intervalMs } = opts
  const qos = opts.qos ?? 1
  const now = opts.now ?? Date.now
  const model =
    opts.model ?? createModel(opts.kind, { seed: opts.seed ?? seedFromString(deviceId), demo: opts.demo })
  const topic = telemetryTopic(deviceId)
  const log = (msg: string): void => {
    try {
      opts.log?.(`${deviceId}: ${msg}`)
    } catch {
      // A broken logger must not take the device down with it.
    }
  }

  const session: DeviceSession = await openDeviceSession({
    url: opts.url,
    deviceId,
    password: opts.password,
    log: opts.log,
    mqttOptions: opts.mqttOptions,
    signal: opts.signal,
  })

  let seq = (opts.startSeq ?? 0) >>> 0
  let published = 0
  let skipped = 0
  let last: SimulatedReading | undefined
  /** One log line per run of skipped readings, not one per reading. */
  let skipNoted = false
  let stopping: Promise<void> | undefined
  let interval: NodeJS.Timeout | undefined

  const tick = (): void => {
    try {
      const ts = now()
      const reading: SimulatedReading = { ts, seq, m: model.step(ts) }
      seq = seq === UINT32_MAX ? 0 : seq + 1
      if (!session.connected() || session.inFlight() >= MAX_IN_FLIGHT) {
        skipped++
        if (!skipNoted) {
          skipNoted = true
          log(
            session.connected()
              ? `${session.inFlight()} readings unacknowledged; skipping readings`
              : 'offline; skipping readings',
          )
        }
        return
      }
      skipNoted = false
      last = reading
      void session.send(topic, JSON.stringify(reading), { qos }).then((result) => {
        if (result !== 'published') return
        published++
        try {
          opts.onPublished?.(published, reading)
        } catch (hookErr) {
          log(`onPublished failed: ${(hookErr as Error).message}`)
        }
      })
    } catch (err) {
      log(`reading failed: ${(err as Error).message}`)
    }
  }

  const firstTimer = setTimeout(() => {
    tick()
    interval = setInterval(tick, intervalMs)
  }, opts.firstReadingDelayMs ?? 0)

  async function shutDown(): Promise<void> {
    clearTimeout(firstTimer)
    clearInterval(interval)
    await session.stop()
    log(`stopped after ${published} readings`)
  }

  return {
    deviceId,
    stop() {
      stopping ??= shutDown()
      return stopping
    },
    published: () => published,
    skipped: () => skipped,
    lastReading: () => last,
    connected: () => session.connected(),
    send: (t, payload, q) => session.send(t, payload, { qos: q }),
  }
}

export interface SimulatedFleetOptions {
  url: string
  devices: ReadonlyArray<{ deviceId: string; password: string; kind: DeviceKind; seed?: number }>
  intervalMs: number
  demo?: boolean
  /** Mixed with each device id, so a device keeps its series when others join the fleet. */
  seed?: number
  qos?: 0 | 1
  log?: (msg: string) => void
  mqttOptions?: SimulatedDeviceOptions['mqttOptions']
  signal?: AbortSignal
}

export interface SimulatedFleet {
  readonly devices: readonly SimulatedDevice[]
  /** Devices that could not start (e.g. refused credentials); the others run regardless. */
  readonly failures: ReadonlyArray<{ deviceId: string; error: Error }>
  stop(): Promise<void>
  published(): number
}

/**
 * Starts several simulated devices, their first readings spread over one interval. One device
 * failing to start never stops the others; check `failures`.
 * @example const fleet = await startSimulatedFleet({ url, devices, intervalMs: 2000, demo: true })
 */
export async function startSimulatedFleet(opts: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const count = opts.devices.length
  const results = await Promise.allSettled(
    opts.devices.map((d, i) =>
      startSimulatedDevice({
        url: opts.url,
        deviceId: d.deviceId,
        password: d.password,
        kind: d.kind,
        intervalMs: opts.intervalMs,
        seed: d.seed ?? seedFromString(d.deviceId, opts.seed ?? 0),
        demo: opts.demo,
        qos: opts.qos,
        log: opts.log,
        mqttOptions: opts.mqttOptions,
        signal: opts.signal,
        firstReadingDelayMs: Math.floor((i * opts.intervalMs) / Math.max(1, count)),
      }),
    ),
  )
  const devices: SimulatedDevice[] = []
  const failures: Array<{ deviceId: string; error: Error }> = []
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') devices.push(result.value)
    else failures.push({ deviceId: opts.devices[i]?.deviceId ?? '?', error: toError(result.reason) })
  })
  for (const f of failures) opts.log?.(`fleet: ${f.error.message}`)
  return {
    devices,
    failures,
    async stop() {
      await Promise.all(devices.map((d) => d.stop()))
    },
    published: () => devices.reduce((sum, d) => sum + d.published(), 0),
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}
