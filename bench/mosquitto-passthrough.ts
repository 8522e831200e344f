/**
 * Peer (a), the broker ceiling: Debian's mosquitto forwarding the same pre-encoded load (same
 * generator, same 1000 devices) to one raw subscriber. mosquitto and the subscriber run on the
 * system-under-test core, the generator on the other, as for mimamori.
 */
import { type LoadDevice, type LoadSummary, runLoad } from '../simulators/load/load.js'
import { GENERATOR_CPU, pin, rssMb, untilStable, windowSampler } from './common.js'
import { type Mosquitto, type RawSubscriber, startMosquitto, startRawSubscriber } from './peers/mosquitto.js'

export interface PassthroughResult {
  qos: 0 | 1
  load: LoadSummary
  /** Messages the subscriber received in all. */
  delivered: number
  /** Delivered per second while the load ran (after the first 2 s). */
  deliveredPerS: number
  /** Delivered per second from the first publish to the last delivery (drain included). */
  throughputPerS: number
  drainS: number
  brokerRssMb: number
}

/**
 * Debian's mosquitto with one raw subscriber, both on the system-under-test core, this process
 * pinned to the generator's; `run` gets the broker and the subscriber's delivered count.
 */
async function withPassthrough<T>(
  qos: 0 | 1,
  run: (broker: Mosquitto, delivered: () => Promise<number>) => Promise<T>,
): Promise<T> {
  const broker = await startMosquitto()
  let subscriber: RawSubscriber | undefined
  try {
    subscriber = await startRawSubscriber(broker.port, qos)
    const sub = subscriber
    pin(process.pid, GENERATOR_CPU)
    return await run(broker, async () => (await sub.count()).count)
  } finally {
    await subscriber?.stop()
    await broker.stop()
  }
}

export async function benchMosquittoPassthrough(
  log: (line: string) => void,
  options: { devices: readonly LoadDevice[]; seconds: number; qos: 0 | 1; maxDrainMs?: number },
): Promise<PassthroughResult> {
  return withPassthrough(options.qos, async (broker, count) => {
    const sampler = windowSampler(count)
    const load = await runLoad({
      url: broker.url,
      devices: options.devices,
      qos: options.qos,
      durationMs: options.seconds * 1000,
      preEncoded: true,
      drainTimeoutMs: 20_000,
      onProgress: sampler.sample,
    })
    const deliveredPerS = await sampler.rate()
    const brokerRssMb = rssMb(broker.pid)
    // what was still on its way to the subscriber when the generator stopped
    const settled = await untilStable(count, {
      ...(options.maxDrainMs ? { maxMs: options.maxDrainMs } : {}),
    })
    const delivered = settled.value
    const throughputPerS = delivered / (load.elapsedS + load.closeS + settled.drainS)
    log(
      `  mosquitto QoS${options.qos}: ${options.devices.length} devices, ${Math.round(load.msgPerS).toLocaleString()} msg/s ${options.qos ? 'acknowledged' : 'sent'}, ` +
        `${Math.round(deliveredPerS).toLocaleString()} msg/s delivered to the subscriber while sending, ${Math.round(throughputPerS).toLocaleString()}/s including ${(load.closeS + settled.drainS).toFixed(1)} s close and drain, ` +
        `p50/p99 ${load.latencyMs.p50?.toFixed(0) ?? '-'}/${load.latencyMs.p99?.toFixed(0) ?? '-'} ms, sent ${load.sent.toLocaleString()}, ` +
        `acked ${load.acked.toLocaleString()}, delivered ${delivered.toLocaleString()}, broker RSS ${brokerRssMb.toFixed(0)} MB`,
    )
    return {
      qos: options.qos,
      load,
      delivered,
      deliveredPerS,
      throughputPerS,
      drainS: load.closeS + settled.drainS,
      brokerRssMb,
    }
  })
}

export interface PeerOverloadResult {
  /** Delivered/s while the generator sent QoS 0 flat out: mosquitto's own sustainable rate M. */
  flatOutPerS: number
  offeredPerS: number
  /** Delivered/s while 2 × M was offered in the overload's shape (one message per write). */
  deliveredPerS: number
  ratio: number
}

/**
 * The overload section's shape offered to mosquitto: its own flat-out QoS 0 rate M (15 s), then
 * 2 × M paced for `seconds`, to show what the shape costs a broker that only forwards.
 */
export async function benchMosquittoOverload(options: {
  devices: readonly LoadDevice[]
  seconds: number
}): Promise<PeerOverloadResult> {
  return withPassthrough(0, async (broker, delivered) => {
    const base = { url: broker.url, devices: options.devices, qos: 0 as const, preEncoded: true }
    const flat = windowSampler(delivered)
    await runLoad({ ...base, durationMs: 15_000, onProgress: flat.sample })
    const flatOutPerS = await flat.rate()
    await untilStable(delivered, { maxMs: 30_000 })
    const offeredPerS = Math.round(2 * flatOutPerS)
    const over = windowSampler(delivered, 5)
    await runLoad({ ...base, rate: offeredPerS, durationMs: options.seconds * 1000, onProgress: over.sample })
    const deliveredPerS = await over.rate()
    return { flatOutPerS, offeredPerS, deliveredPerS, ratio: deliveredPerS / flatOutPerS }
  })
}
