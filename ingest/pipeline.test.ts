import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { Reading } from '../firmware-contracts/index.js'
import { type BatchWriter, createBatchWriter } from './batch-writer.js'
import { createDeadLetterSink } from './dead-letter.js'
import { createDedupe, type Dedupe } from './dedupe.js'
import { loadDeviceDirectory } from './device-directory.js'
import { createImageStore } from './images.js'
import { createIngestMetrics } from './metrics.js'
import { createIngestPipeline, type ReadingsListener } from './pipeline.js'
import { type EmbeddedStore, openEmbeddedStore } from './store/duckdb/index.js'

const silent = pino({ level: 'silent' })
const TOPIC = 'v1/devices/p-1/telemetry'
const T0 = Date.now() - 60_000
const payload = (seq: number, m: Record<string, number> = { water_depth_cm: 7.5, water_temp_c: 21 }) =>
  Buffer.from(JSON.stringify({ ts: T0 + seq * 1000, seq, m }))

let dir: string | undefined
let store: EmbeddedStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

async function setUp(options: { listeners?: ReadingsListener[]; dedupe?: (real: Dedupe) => Dedupe } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-pipeline-'))
  store = await openEmbeddedStore(join(dir, 'test.duckdb'))
  const directory = await loadDeviceDirectory(store.meta)
  await directory.add({
    id: 'p-1',
    kind: 'paddy',
    site: null,
    secretHash: 'x',
    createdAt: 0,
    revokedAt: null,
  })
  const writer: BatchWriter = createBatchWriter(
    store.readings,
    { maxRows: 100, maxAgeMs: 2, retryDelayMs: 50 },
    silent,
  )
  const real = createDedupe({ windowPerDevice: 16, lookup: store.readings })
  const pipeline = createIngestPipeline({
    directory,
    writer,
    dedupe: options.dedupe ? options.dedupe(real) : real,
    deadLetters: createDeadLetterSink(store.meta, silent),
    metrics: createIngestMetrics(new Registry(), () => writer.pendingRows()),
    log: silent,
    listeners: options.listeners ?? [],
    images: createImageStore(join(dir, 'images'), store.meta),
  })
  return { pipeline, writer, store }
}

describe('ingest pipeline', () => {
  it('stores a row per metric, then tells the listeners, and counts a repeat as a duplicate', async () => {
    const heard: Array<{ id: string; readings: Reading[]; stored: number }> = []
    let rowsNow = async () => 0
    const { pipeline, store: s } = await setUp({
      listeners: [
        (device, readings) => {
          // called once the rows are durable: they can be read back already
          void rowsNow().then((stored) => heard.push({ id: device.id, readings, stored }))
        },
      ],
    })
    rowsNow = async () => {
      let n = 0
      for (const metric of ['water_depth_cm', 'water_temp_c'])
        n += (await s.readings.raw({ deviceId: 'p-1', metric, from: 0, to: Date.now() })).length
      return n
    }
    await pipeline.telemetry('p-1', TOPIC, payload(1))
    await pipeline.telemetry('p-1', TOPIC, payload(1))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(heard).toHaveLength(1)
    expect(heard[0]).toMatchObject({ id: 'p-1', stored: 2, readings: [{ seq: 1 }] })
    expect(await rowsNow()).toBe(2)
  })

  it('answers an unknown device and a bad payload with a dead letter, not a rejection', async () => {
    const { pipeline, store: s } = await setUp()
    await expect(
      pipeline.telemetry('nobody', 'v1/devices/nobody/telemetry', payload(1)),
    ).resolves.toBeUndefined()
    await expect(pipeline.telemetry('p-1', TOPIC, Buffer.from('{"ts":'))).resolves.toBeUndefined()
    const reasons = (await s.meta.listDeadLetters(10)).map((d) => d.reason).sort()
    expect(reasons).toEqual(['bad_json', 'unknown_device'])
  })

  it('rejects when the writer refuses the rows, and turns a throw inside into a rejection', async () => {
    const closed = await setUp()
    await closed.writer.close()
    await expect(closed.pipeline.telemetry('p-1', TOPIC, payload(2))).rejects.toThrow('shutting down')
    await closed.store.close()
    store = undefined
    rmSync(dir as string, { recursive: true, force: true })

    const { pipeline } = await setUp({
      dedupe: () => ({
        fresh() {
          throw new Error('dedupe broke')
        },
      }),
    })
    let result: Promise<void> | undefined
    expect(() => {
      result = pipeline.telemetry('p-1', TOPIC, payload(3))
    }).not.toThrow()
    await expect(result).rejects.toThrow('dedupe broke')
  })

  it('keeps telling the other listeners when one throws, and resolves', async () => {
    const heard: string[] = []
    const { pipeline } = await setUp({
      listeners: [
        () => {
          throw new Error('listener broke')
        },
        (device) => heard.push(device.id),
      ],
    })
    await expect(pipeline.telemetry('p-1', TOPIC, payload(4))).resolves.toBeUndefined()
    expect(heard).toEqual(['p-1'])
  })
})
