/**
 * End-to-end ingest over MQTT: mimamori (`npm start` code, demo off) in a child process pinned to
 * one core, the raw-socket load generator here pinned to the other; 1000 devices publish QoS1
 * (or QoS0) flat out for a fixed time. Afterwards the server stops and the DuckDB file is
 * counted: stored must equal acknowledged (QoS1), so zero loss is checked, not assumed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { type LoadDevice, type LoadSummary, runLoad } from '../simulators/load/load.js'
import {
  copyDataDir,
  cpuSeconds,
  deviceIds,
  GENERATOR_CPU,
  pin,
  provisionOffline,
  rssMb,
  startMimamori,
  untilStable,
  windowSampler,
} from './common.js'

/** A paddy's pre-encoded reading carries 4 metrics (depth, water temp, battery, RSSI): 4 rows. */
export const PADDY_METRICS = 4

export interface MqttIngestResult {
  qos: 0 | 1
  load: LoadSummary
  /** Readings found in the DuckDB file after a clean stop. */
  stored: number
  /** Readings stored per second while the load ran (from /metrics, after the first 2 s). */
  storedPerS: number
  /**
   * Readings stored per second from the first publish to the last reading stored (in the DuckDB
   * file after the clean stop), including what was still queued when the generator stopped
   * (QoS 0 has no window to hold publishers back).
   */
  throughputPerS: number
  /** Seconds the server kept storing after the generator stopped, its clean stop included. */
  drainS: number
  serverRssMb: number
  /** Server CPU (all threads) per message acknowledged while the load ran (QoS 1), or per reading stored (QoS 0). */
  cpuUsPerMsg: number
}

/** A data directory with `devices` paddies registered, copied for every run so each starts alike. */
export interface IngestFleet {
  template: string
  devices: LoadDevice[]
  dispose(): void
}

export async function prepareIngestFleet(devices = 1000): Promise<IngestFleet> {
  const template = mkdtempSync(join(tmpdir(), 'mimamori-bench-fleet-'))
  const fleet = await provisionOffline(template, [{ ids: deviceIds('bench-', devices), kind: 'paddy' }])
  return { template, devices: fleet, dispose: () => rmSync(template, { recursive: true, force: true }) }
}

export async function benchIngestMqtt(
  log: (line: string) => void,
  options: { fleet: IngestFleet; seconds?: number; qos: 0 | 1; maxDrainMs?: number },
): Promise<MqttIngestResult> {
  const { fleet } = options
  const dataDir = copyDataDir(fleet.template)
  const server = await startMimamori({ dataDir })
  try {
    pin(process.pid, GENERATOR_CPU)
    const cpuBefore = cpuSeconds(server.pid)
    const sampler = windowSampler(() => server.metric('mimamori_ingest_readings_total', 'result="stored"'))
    const load = await runLoad({
      url: server.mqttUrl,
      devices: fleet.devices,
      qos: options.qos,
      durationMs: (options.seconds ?? 20) * 1000,
      preEncoded: true,
      drainTimeoutMs: 20_000,
      onProgress: sampler.sample,
    })
    const cpuAfterLoad = cpuSeconds(server.pid)
    const storedPerS = await sampler.rate()
    const serverRssMb = rssMb(server.pid)
    const settled = await untilStable(
      () => server.metric('mimamori_ingest_readings_total', 'result="stored"'),
      {
        maxMs: options.maxDrainMs ?? (options.qos === 1 ? 2000 : 10_000),
      },
    )
    // QoS 1: per message acknowledged while the load ran; QoS 0: per reading stored until it settled
    // (most of what a flat-out QoS 0 generator sends is never read: it dies in the socket buffers)
    const cpuUsPerMsg =
      options.qos === 1
        ? ((cpuAfterLoad - cpuBefore) * 1e6) / load.acked
        : ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / settled.value
    // QoS 0: what the server had read but not yet stored is stored during the clean stop
    const stopping = performance.now()
    await server.stop()
    const stopS = (performance.now() - stopping) / 1000
    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    const stored = (await store.readings.count()) / PADDY_METRICS
    await store.close()
    const throughputPerS = stored / (load.elapsedS + load.closeS + settled.drainS + stopS)
    log(
      `  mimamori QoS${options.qos}: ${fleet.devices.length} devices, ${Math.round(load.msgPerS).toLocaleString()} msg/s ${options.qos ? 'acknowledged' : 'sent'}, ` +
        `${Math.round(storedPerS).toLocaleString()} readings/s stored while sending, ${Math.round(throughputPerS).toLocaleString()}/s including ${(load.closeS + settled.drainS + stopS).toFixed(1)} s close, drain and stop, ` +
        `p50/p99 ${load.latencyMs.p50?.toFixed(0) ?? '-'}/${load.latencyMs.p99?.toFixed(0) ?? '-'} ms, sent ${load.sent.toLocaleString()}, ` +
        `acked ${load.acked.toLocaleString()}, stored ${stored.toLocaleString()}, server RSS ${serverRssMb.toFixed(0)} MB, ${cpuUsPerMsg.toFixed(1)} µs server CPU per ${options.qos ? 'message acknowledged' : 'reading stored'}`,
    )
    return {
      qos: options.qos,
      load,
      stored,
      storedPerS,
      throughputPerS,
      drainS: load.closeS + settled.drainS + stopS,
      serverRssMb,
      cpuUsPerMsg,
    }
  } finally {
    await server.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
