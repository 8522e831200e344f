import {
  DEFAULT_MAX_TELEMETRY_BYTES,
  type DeviceKind,
  MAX_BATCH_READINGS,
  UINT32_MAX,
} from '../../firmware-contracts/index.js'
import type { SimulatedReading } from '../device.js'
import { createRandom, seedFromString } from '../random.js'
import { createFaultChain, malformedPayload } from './faults.js'
import { createScenarioModel } from './forcing.js'
import type { FaultType, Scenario, ScenarioDeviceSpec } from './schema.js'

/** A telemetry message as it goes on the wire, with what the simulator knows about it. */
export interface TelemetryEvent {
  type: 'telemetry'
  /** Simulated time it is published at (epoch ms); the runner turns it into wall time. */
  at: number
  deviceId: string
  kind: DeviceKind
  payload: string
  /** The readings in the payload (empty for a malformed one); a backfill batch has several. */
  readings: SimulatedReading[]
  /** Simulated time each reading was measured at (its ts, before clock skew and alignment). */
  measured: number[]
  /** The model's true values of a single, live reading (before faults). */
  truth?: Record<string, number>
  faults: FaultType[]
  batch: boolean
  /** Set for a malformed payload: which kind of breakage, and the refusal ingest should give. */
  malformed?: { variant: string; expectedReason: string }
  /** True for the second copy of a message sent twice (same payload, same seq and ts). */
  duplicate: boolean
}

/** A reading measured but never sent (dropout, a browned-out battery, an outage without backfill). */
export interface SkipEvent {
  type: 'skip'
  at: number
  deviceId: string
  kind: DeviceKind
  seq: number
  truth: Record<string, number>
  reason: 'dropout' | 'battery-cutoff' | 'outage'
  faults: FaultType[]
}

/** A camera capture at a reservoir station; the runner renders the JPEG. */
export interface ImageEvent {
  type: 'image'
  at: number
  deviceId: string
  kind: 'reservoir'
  /** Capture time stamped into the topic (after alignment). */
  captureTs: number
  levelM: number
  rainMmH: number
  crestM: number
}

export type TimelineEvent = TelemetryEvent | SkipEvent | ImageEvent

export interface TimelineOptions {
  /** Prepended to every device id in the file (to run a scenario twice against one mimamori). */
  idPrefix?: string
  /** Added to every ts and capture time (the runner's `align: 'now'`); the physics keeps its dates. */
  tsShiftMs?: number
}

/** Keeps a backfill payload well inside the broker's telemetry size limit. */
const MAX_BATCH_BYTES = DEFAULT_MAX_TELEMETRY_BYTES - 1024
const DEFAULT_CREST_M = 9.5

/**
 * The whole timeline of a scenario, in publishing order, without MQTT: every message exactly
 * as the runner would publish it, plus the readings faults kept back. Deterministic: the same
 * scenario gives the same timeline. Fast enough for unit tests (a season of paddy readings in
 * well under a second).
 * @example for (const e of scenarioReadings(scenario)) if (e.type === 'telemetry') check(e.readings)
 */
export function* scenarioReadings(scenario: Scenario, opts: TimelineOptions = {}): Generator<TimelineEvent> {
  const sources = scenario.devices.map((d) => deviceTimeline(scenario, d, opts))
  const heads = sources.map((s) => s.next())
  while (true) {
    let best = -1
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as IteratorResult<TimelineEvent>
      if (head.done) continue
      if (best < 0 || head.value.at < (heads[best] as IteratorYieldResult<TimelineEvent>).value.at) best = i
    }
    if (best < 0) return
    yield (heads[best] as IteratorYieldResult<TimelineEvent>).value
    heads[best] = (sources[best] as Generator<TimelineEvent>).next()
  }
}

/** The device ids a scenario uses (with the prefix) and their kinds: what to register before a run. */
export function scenarioDevices(
  scenario: Scenario,
  idPrefix = '',
): Array<{ deviceId: string; kind: DeviceKind }> {
  return scenario.devices.map((d) => ({ deviceId: `${idPrefix}${d.id}`, kind: d.kind }))
}

function* deviceTimeline(
  scenario: Scenario,
  device: ScenarioDeviceSpec,
  opts: TimelineOptions,
): Generator<TimelineEvent> {
  const deviceId = `${opts.idPrefix ?? ''}${device.id}`
  const { kind } = device
  const shift = opts.tsShiftMs ?? 0
  const model = createScenarioModel(scenario, device)
  const random = createRandom(seedFromString(device.id, scenario.seed ^ 0x5eed))
  const chain = createFaultChain(
    kind,
    scenario.faults.filter((f) => f.device === device.id),
    random,
  )
  const interval = device.interval ?? scenario.interval
  const camera = device.kind === 'reservoir' ? device.camera : undefined
  const crestM =
    device.kind === 'reservoir' ? (device.model.shape?.crestM ?? DEFAULT_CREST_M) : DEFAULT_CREST_M
  const end = scenario.start + scenario.duration
  let nextCapture = scenario.start
  let seq = 0
  let held: Array<{ reading: SimulatedReading; measured: number }> = []
  let heldFaults = new Set<FaultType>()

  const flush = function* (at: number): Generator<TelemetryEvent> {
    for (const chunk of batches(held)) {
      const readings = chunk.map((h) => h.reading)
      yield {
        type: 'telemetry',
        at,
        deviceId,
        kind,
        payload: JSON.stringify({ batch: readings }),
        readings,
        measured: chunk.map((h) => h.measured),
        faults: [...heldFaults],
        batch: true,
        duplicate: false,
      }
    }
    held = []
    heldFaults = new Set()
  }

  for (let t = scenario.start; t <= end; t += interval) {
    const truth = model.step(t)
    const fate = chain.apply(t - scenario.start, truth)
    if (fate.action !== 'hold' && held.length > 0) yield* flush(t)
    if (camera && t >= nextCapture) {
      // The camera shares the station's uplink and power: no image while it cannot send.
      if (fate.action === 'send')
        yield {
          type: 'image',
          at: t,
          deviceId,
          kind: 'reservoir',
          captureTs: t + shift,
          levelM: truth.water_level_m ?? 0,
          rainMmH: truth.rain_mm_h ?? 0,
          crestM,
        }
      while (nextCapture <= t) nextCapture += camera.interval
    }
    const reading: SimulatedReading = { ts: t + shift + fate.tsSkewMs, seq, m: fate.m }
    seq = seq === UINT32_MAX ? 0 : seq + 1
    if (fate.action === 'drop') {
      const reason = fate.dropReason ?? 'dropout'
      yield { type: 'skip', at: t, deviceId, kind, seq: reading.seq, truth, reason, faults: fate.applied }
      continue
    }
    if (fate.action === 'hold') {
      held.push({ reading, measured: t })
      for (const f of fate.applied) heldFaults.add(f)
      continue
    }
    const broken = fate.malformed ? malformedPayload(reading, random) : undefined
    const event: TelemetryEvent = {
      type: 'telemetry',
      at: t,
      deviceId,
      kind,
      payload: broken?.payload ?? JSON.stringify(reading),
      readings: broken ? [] : [reading],
      measured: broken ? [] : [t],
      truth,
      faults: fate.applied,
      batch: false,
      malformed: broken && { variant: broken.variant, expectedReason: broken.expectedReason },
      duplicate: false,
    }
    yield event
    if (fate.duplicate) yield { ...event, duplicate: true }
  }
  // An outage still on at the end: the uplink returns just after the scenario.
  if (held.length > 0) yield* flush(end)
}

/** Splits held readings into batches within the reading-count and byte limits of the contract. */
function* batches<T extends { reading: SimulatedReading }>(held: T[]): Generator<T[]> {
  let chunk: T[] = []
  let bytes = 12
  for (const h of held) {
    const size = JSON.stringify(h.reading).length + 1
    if (chunk.length > 0 && (chunk.length >= MAX_BATCH_READINGS || bytes + size > MAX_BATCH_BYTES)) {
      yield chunk
      chunk = []
      bytes = 12
    }
    chunk.push(h)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}
