/**
 * Congestion collapse check (issue 8 target): measure the sustainable QoS 1 rate R flat out, then
 * offer 2 × R for a minute — QoS 0 from 1000 devices (nothing slows the generator) beside 100 QoS 1
 * devices whose PUBACKed readings are counted — and report the stored rate while overloaded
 * against R, the server's RSS over the minute, and acknowledged vs. stored for the QoS 1 devices.
 *
 * At 2 × R each device has about one message due per 5 ms tick, so every message is a TCP segment
 * of its own, and the kernel spends part of the server's core on receive queues full of them.
 * Two shorter runs show that part: the same 2 × R in writes of ~4 messages (20 ms ticks), and
 * mosquitto offered 2 × its own flat-out QoS 0 rate in the first shape.
 * Run alone: `npx tsx bench/overload.ts` (or `BENCH_ONLY=overload npm run bench`).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { runLoad } from '../simulators/load/load.js'
import {
  deviceIds,
  GENERATOR_CPU,
  pin,
  provisionOffline,
  rssMb,
  startMimamori,
  untilStable,
  windowSampler,
} from './common.js'
import { benchMosquittoOverload, type PeerOverloadResult } from './mosquitto-passthrough.js'
import { mosquittoMissing } from './peers/mosquitto.js'

export interface OverloadResult {
  sustainable: number
  offered: number
  storedWhileOverloaded: number
  ratio: number
  /** Stored readings/s in 10 s windows while overloaded. */
  windows: number[]
  rssMb: number[]
  qos1Acked: number
  qos1Stored: number
  /** The same 2 × R offered in writes of ~4 messages per device (20 ms ticks), for half as long. */
  coalesced: { stored: number; ratio: number }
  /** mosquitto in the first shape, or why it did not run. */
  peer: PeerOverloadResult | { skipped: string }
}

export async function benchOverload(
  log: (line: string) => void,
  options: { seconds?: number } = {},
): Promise<OverloadResult> {
  const seconds = options.seconds ?? 60
  const first = await startMimamori()
  const dataDir = first.dataDir
  await first.stop()
  const [flood, ledger] = [deviceIds('flood-', 1000), deviceIds('acked-', 100)]
  const devices = await provisionOffline(dataDir, [
    { ids: flood, kind: 'paddy' },
    { ids: ledger, kind: 'paddy' },
  ])
  const floodDevices = devices.filter((d) => d.deviceId.startsWith('flood-'))
  const ledgerDevices = devices.filter((d) => d.deviceId.startsWith('acked-'))
  const server = await startMimamori({ dataDir })
  pin(process.pid, GENERATOR_CPU)
  const stored = () => server.metric('mimamori_ingest_readings_total', 'result="stored"')
  try {
    // R: QoS 1 flat out (acknowledged = stored) from the flood devices, 15 s
    const probe = windowSampler(stored)
    const base = await runLoad({
      url: server.mqttUrl,
      devices: floodDevices,
      qos: 1,
      durationMs: 15_000,
      preEncoded: true,
      drainTimeoutMs: 20_000,
      onProgress: probe.sample,
    })
    const sustainable = await probe.rate()
    log(
      `  sustainable (QoS 1 flat out, 15 s): ${Math.round(sustainable).toLocaleString()} readings/s (${Math.round(base.msgPerS).toLocaleString()} acked/s)`,
    )
    await untilStable(stored)

    const offered = Math.round(2 * sustainable)
    /** 2 × R at QoS 0 from the flood devices (one message per write at the default tick). */
    const flood = {
      url: server.mqttUrl,
      devices: floodDevices,
      qos: 0 as const,
      rate: offered,
      preEncoded: true,
    }
    const sampler = windowSampler(stored, 5)
    const rss: number[] = []
    const rssTimer = setInterval(() => rss.push(Math.round(rssMb(server.pid))), 5000)
    const [over, acked] = await Promise.all([
      runLoad({ ...flood, durationMs: seconds * 1000, onProgress: sampler.sample }),
      runLoad({
        url: server.mqttUrl,
        devices: ledgerDevices,
        qos: 1,
        rate: 1000,
        durationMs: seconds * 1000,
        preEncoded: true,
        drainTimeoutMs: 60_000,
      }),
    ])
    clearInterval(rssTimer)
    const storedWhileOverloaded = await sampler.rate()
    const windows = await sampler.windows(10)
    await untilStable(stored, { maxMs: 120_000 })

    const coalescedSampler = windowSampler(stored, 5)
    await runLoad({
      ...flood,
      tickMs: 20,
      durationMs: (seconds / 2) * 1000,
      onProgress: coalescedSampler.sample,
    })
    const coalescedStored = await coalescedSampler.rate()
    await untilStable(stored, { maxMs: 120_000 })
    await server.stop()
    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    let qos1Stored = 0
    try {
      for (const id of ledger) qos1Stored += (await store.readings.count(id)) / 4
    } finally {
      await store.close()
    }
    const ratio = storedWhileOverloaded / sustainable
    log(
      `  offered ${offered.toLocaleString()}/s QoS 0 (2 × R; generator sent ${Math.round(over.msgPerS).toLocaleString()}/s) + 1,000/s QoS 1 for ${seconds} s: ` +
        `stored ${Math.round(storedWhileOverloaded).toLocaleString()} readings/s while overloaded = ${(ratio * 100).toFixed(0)} % of R (target ≥ 90 %)`,
    )
    log(
      `  stored readings/s in 10 s windows: ${windows.map((r) => Math.round(r).toLocaleString()).join(' ')}`,
    )
    log(`  server RSS every 5 s (MB): ${rss.join(' ')}`)
    log(
      `  QoS 1 beside the flood: ${acked.acked.toLocaleString()} PUBACKed, ${qos1Stored.toLocaleString()} stored (must be ≥ acked)`,
    )
    log(
      `  the same 2 × R in writes of ~4 messages (20 ms ticks) for ${seconds / 2} s: stored ${Math.round(coalescedStored).toLocaleString()} readings/s = ${((100 * coalescedStored) / sustainable).toFixed(0)} % of R`,
    )
    let peer: PeerOverloadResult | { skipped: string } = { skipped: 'mosquitto missing' }
    if (!mosquittoMissing()) {
      const p = await benchMosquittoOverload({ devices: floodDevices, seconds: seconds / 2 })
      peer = p
      log(
        `  mosquitto in the first shape: flat out ${Math.round(p.flatOutPerS).toLocaleString()} delivered/s (M); offered 2 × M = ${p.offeredPerS.toLocaleString()}/s for ${seconds / 2} s: delivered ${Math.round(p.deliveredPerS).toLocaleString()}/s = ${(p.ratio * 100).toFixed(0)} % of M`,
      )
    }
    return {
      sustainable,
      offered,
      storedWhileOverloaded,
      ratio,
      windows,
      rssMb: rss,
      qos1Acked: acked.acked,
      qos1Stored,
      coalesced: { stored: coalescedStored, ratio: coalescedStored / sustainable },
      peer,
    }
  } finally {
    await server.dispose()
    await first.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchOverload((line) => process.stdout.write(`${line}\n`))
}
