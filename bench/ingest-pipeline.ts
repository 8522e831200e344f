/**
 * The ingest core without the network: validate → dedupe → group commit into DuckDB, fed by 1000
 * simulated devices' payloads, as fast as the pipeline accepts them. This is the ceiling the
 * MQTT path (broker + sockets) can reach at most.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { createBatchWriter } from '../ingest/batch-writer.js'
import { createDeadLetterSink } from '../ingest/dead-letter.js'
import { createDedupe } from '../ingest/dedupe.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { createImageStore } from '../ingest/images.js'
import { createIngestMetrics } from '../ingest/metrics.js'
import { createIngestPipeline } from '../ingest/pipeline.js'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'

export interface PipelineResult {
  readings: number
  seconds: number
  readingsPerSecond: number
  stored: number
  rssMb: number
}

export async function benchIngestPipeline(
  log: (line: string) => void,
  total = 300_000,
  devices = 1000,
): Promise<PipelineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-ingest-'))
  const store = await openEmbeddedStore(join(dir, 'bench.duckdb'))
  const silent = pino({ level: 'silent' })
  try {
    const directory = await loadDeviceDirectory(store.meta)
    for (let d = 0; d < devices; d++) {
      await directory.add({
        id: `p-${d}`,
        kind: 'paddy',
        site: null,
        secretHash: 'x',
        createdAt: 0,
        revokedAt: null,
      })
    }
    const writer = createBatchWriter(
      store.readings,
      { maxRows: 5000, maxAgeMs: 2, retryDelayMs: 100 },
      silent,
    )
    const dedupe = createDedupe({ windowPerDevice: 64, lookup: store.readings })
    await dedupe.load(Date.now(), 86_400_000)
    const pipeline = createIngestPipeline({
      directory,
      writer,
      dedupe,
      deadLetters: createDeadLetterSink(store.meta, silent),
      metrics: createIngestMetrics(new Registry(), () => writer.pendingRows()),
      log: silent,
      listeners: [],
      images: createImageStore(join(dir, 'images'), store.meta),
    })
    const t0 = Date.now() - total * 10
    const payload = (i: number) =>
      Buffer.from(
        JSON.stringify({
          ts: t0 + i * 10,
          seq: Math.floor(i / devices),
          m: { water_depth_cm: 5 + (i % 50) / 10, water_temp_c: 21.5 },
        }),
      )
    // every device keeps one message in flight, as a QoS1 publisher waiting for its PUBACK would
    const start = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: devices }, async (_, d) => {
        for (let i = d; i < total; i += devices) {
          await pipeline.telemetry(`p-${d}`, 'v1/devices/x/telemetry', payload(i))
          next++
        }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    await writer.close()
    const stored = await store.readings.count()
    const rssMb = process.memoryUsage().rss / 2 ** 20
    const readingsPerSecond = next / seconds
    log(
      `  ${next.toLocaleString()} readings (2 metrics each) from ${devices} devices in ${seconds.toFixed(1)} s: ${Math.round(readingsPerSecond).toLocaleString()} readings/s, ${stored.toLocaleString()} rows stored, RSS ${rssMb.toFixed(0)} MB`,
    )
    return { readings: next, seconds, readingsPerSecond, stored, rssMb }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
