import { type DeviceKind, imageTopic, telemetryTopic } from '../../firmware-contracts/index.js'
import { reservoirJpeg } from '../camera/reservoir-scene.js'
import {
  type DeviceSession,
  type DeviceSessionOptions,
  MAX_IN_FLIGHT,
  openDeviceSession,
} from '../device-session.js'
import type { FaultType, Scenario } from './schema.js'
import { type ImageEvent, scenarioDevices, scenarioReadings, type TimelineEvent } from './timeline.js'

export interface RunScenarioOptions {
  url: string
  /** Device id → MQTT password, for every device of the scenario (ids with the prefix). */
  credentials?: ReadonlyMap<string, string>
  /** Registers the devices and returns their passwords; used when `credentials` is not given. */
  provision?: (devices: Array<{ deviceId: string; kind: DeviceKind }>) => Promise<ReadonlyMap<string, string>>
  log?: (msg: string) => void
  /** Stops the run early; the summary says so. */
  signal?: AbortSignal
  /** Overrides the scenario's time scale; `Infinity` publishes as fast as the broker acknowledges. */
  timeScale?: number
  /**
   * `scenario` (default): ts are the scenario's own dates. `now`: every ts moves by one offset so
   * the last reading's ts is the wall time it is published at (the physics keeps its dates).
   */
  align?: 'scenario' | 'now'
  idPrefix?: string
  /** Telemetry QoS, default 1 (images are always QoS 1). */
  qos?: 0 | 1
  mqttOptions?: DeviceSessionOptions['mqttOptions']
  /** Called about every `progressIntervalMs` (default 5 s) and once at the end. */
  onProgress?: (progress: ScenarioProgress) => void
  progressIntervalMs?: number
  /** Wall clock, for tests; default Date.now. */
  now?: () => number
}

export interface ScenarioProgress {
  /** Simulated time reached (epoch ms, the scenario's own dates). */
  simTime: number
  /** 0..1 of the scenario's duration. */
  done: number
  published: number
  skipped: number
}

export interface ScenarioSummary {
  scenario: string
  devices: number
  /** Telemetry messages the broker acknowledged (duplicates and malformed ones included). */
  published: number
  images: number
  /** Messages not delivered: the broker connection was down, or the ack never came. */
  skipped: number
  /** Readings the faults kept off the wire (dropout, brown-out, outage without backfill). */
  dropped: number
  malformed: number
  duplicates: number
  /** Backfill payloads (`{ batch }`) and the readings they carried. */
  batches: number
  batchedReadings: number
  /** Readings (or messages) each fault type changed. */
  faults: Partial<Record<FaultType, number>>
  tsShiftMs: number
  wallMs: number
  stoppedEarly: boolean
}

/**
 * Plays a scenario against a broker: one MQTT connection per device (as `startSimulatedDevice`
 * holds it: persistent session, status, will), publishing `scenarioReadings(scenario)` on a
 * wall-clock schedule compressed by the time scale. A slow broker slows the replay instead of
 * losing readings. Resolves with a summary after the last message is acknowledged; rejects only
 * if a device cannot connect (missing or refused credentials), after closing the others.
 * @example const summary = await runScenario(resolveScenario('typhoon-reservoir'), { url, credentials })
 */
export async function runScenario(scenario: Scenario, opts: RunScenarioOptions): Promise<ScenarioSummary> {
  const now = opts.now ?? Date.now
  const log = opts.log ?? (() => {})
  const timeScale = opts.timeScale ?? scenario.timeScale
  const qos = opts.qos ?? 1
  const devices = scenarioDevices(scenario, opts.idPrefix)
  const credentials = opts.credentials ?? (opts.provision ? await opts.provision(devices) : new Map())
  const missing = devices.filter((d) => !credentials.has(d.deviceId)).map((d) => d.deviceId)
  if (missing.length > 0)
    throw new Error(`no password for ${missing.join(', ')}: register them and add them to the credentials`)

  const sessions = await openAll(devices, credentials, opts)
  const wallStart = now()
  const end = scenario.start + scenario.duration
  const tsShiftMs = opts.align === 'now' ? Math.round(wallStart + scenario.duration / timeScale - end) : 0
  const summary: ScenarioSummary = {
    scenario: scenario.name,
    devices: devices.length,
    published: 0,
    images: 0,
    skipped: 0,
    dropped: 0,
    malformed: 0,
    duplicates: 0,
    batches: 0,
    batchedReadings: 0,
    faults: {},
    tsShiftMs,
    wallMs: 0,
    stoppedEarly: false,
  }
  let simTime = scenario.start
  const progress = (): void =>
    opts.onProgress?.({
      simTime,
      done: Math.min(1, (simTime - scenario.start) / scenario.duration),
      published: summary.published,
      skipped: summary.skipped,
    })
  const progressTimer = setInterval(progress, opts.progressIntervalMs ?? 5000)
  const pending = new Set<Promise<void>>()
  log(`scenario ${scenario.name}: ${devices.length} devices connected; replaying at ×${timeScale}`)
  try {
    let sinceYield = 0
    for (const event of scenarioReadings(scenario, { idPrefix: opts.idPrefix, tsShiftMs })) {
      if (opts.signal?.aborted) {
        summary.stoppedEarly = true
        break
      }
      const due = wallStart + (event.at - scenario.start) / timeScale
      if (due - now() >= 1) await sleep(due - now(), opts.signal)
      else if (++sinceYield >= 200) {
        // Running behind (or at ×Infinity): let acks and timers in now and then.
        sinceYield = 0
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (opts.signal?.aborted) {
        summary.stoppedEarly = true
        break
      }
      simTime = event.at
      count(summary, event)
      const session = sessions.get(event.deviceId) as DeviceSession
      const message = toMessage(event, qos)
      if (!message) continue
      const full = session.inFlight() >= MAX_IN_FLIGHT
      const sent = session
        .send(message.topic, message.payload, { qos: message.qos, waitForRoom: true })
        .then((result) => {
          if (result !== 'published') summary.skipped++
          else if (event.type === 'image') summary.images++
          else summary.published++
        })
      pending.add(sent)
      void sent.finally(() => pending.delete(sent))
      // Backpressure: a broker that falls behind slows the replay; it does not cost readings.
      if (full) await sent
    }
    await Promise.all(pending)
  } finally {
    clearInterval(progressTimer)
    await Promise.all([...sessions.values()].map((s) => s.stop()))
  }
  summary.wallMs = now() - wallStart
  progress()
  log(`scenario ${scenario.name}: ${summary.published} published, ${summary.skipped} skipped`)
  return summary
}

function toMessage(
  event: TimelineEvent,
  qos: 0 | 1,
): { topic: string; payload: string | Buffer; qos: 0 | 1 } | undefined {
  if (event.type === 'skip') return undefined
  if (event.type === 'telemetry')
    return { topic: telemetryTopic(event.deviceId), payload: event.payload, qos }
  return {
    topic: imageTopic(event.deviceId, event.captureTs),
    payload: Buffer.from(renderImage(event)),
    qos: 1,
  }
}

function renderImage(event: ImageEvent): Uint8Array {
  return reservoirJpeg({
    deviceId: event.deviceId,
    captureTs: event.captureTs,
    levelM: event.levelM,
    rainMmH: event.rainMmH,
    crestM: event.crestM,
  })
}

function count(summary: ScenarioSummary, event: TimelineEvent): void {
  if (event.type === 'image') return
  if (event.type === 'skip') summary.dropped++
  else {
    if (event.malformed) summary.malformed++
    if (event.duplicate) summary.duplicates++
    if (event.batch) {
      summary.batches++
      summary.batchedReadings += event.readings.length
    }
  }
  // A duplicate's faults were counted with the original; a batch counts its readings.
  if (event.type === 'telemetry' && event.duplicate) return
  const times = event.type === 'telemetry' && event.batch ? event.readings.length : 1
  for (const f of event.faults) summary.faults[f] = (summary.faults[f] ?? 0) + times
}

async function openAll(
  devices: Array<{ deviceId: string }>,
  credentials: ReadonlyMap<string, string>,
  opts: RunScenarioOptions,
): Promise<Map<string, DeviceSession>> {
  const results = await Promise.allSettled(
    devices.map((d) =>
      openDeviceSession({
        url: opts.url,
        deviceId: d.deviceId,
        password: credentials.get(d.deviceId) as string,
        log: opts.log,
        mqttOptions: opts.mqttOptions,
        signal: opts.signal,
      }),
    ),
  )
  const sessions = new Map<string, DeviceSession>()
  const errors: string[] = []
  for (const r of results) {
    if (r.status === 'fulfilled') sessions.set(r.value.deviceId, r.value)
    else errors.push((r.reason as Error).message)
  }
  if (errors.length > 0) {
    await Promise.all([...sessions.values()].map((s) => s.stop()))
    throw new Error(errors.join('\n'))
  }
  return sessions
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
