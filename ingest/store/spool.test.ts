import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSpoolingStore, type SpoolingStore, type SpoolOptions } from './spool.js'
import type { ReadingStore, StoredReading } from './store.js'

const log = pino({ level: 'silent' })

/** An in-memory inner store that fails or hangs on demand and records every write call. */
function fakeStore() {
  const rows: StoredReading[] = []
  const calls: number[] = []
  const state = { failing: false, hang: false }
  const store: ReadingStore = {
    async write(batch) {
      if (state.hang) await new Promise(() => {})
      if (state.failing) throw new Error('connect ECONNREFUSED')
      calls.push(batch.length)
      rows.push(...batch)
    },
    latestAll: async () => new Map(),
    raw: async () => [],
    buckets: async () => [],
    count: async () => rows.length,
    storedKeys: async () => [],
    recentKeys: async () => new Map(),
    scan: async function* () {},
  }
  return { store, rows, calls, state }
}

const batch = (first: number, n: number): StoredReading[] =>
  Array.from({ length: n }, (_, i) => ({
    deviceId: `d-${(first + i) % 3}`,
    metric: 'water_depth_cm',
    ts: 1_780_000_000_000 + (first + i) * 1000,
    value: (first + i) / 10,
    seq: first + i,
  }))

let dir: string
const spools: SpoolingStore[] = []
const open = (inner: ReadingStore, options: Partial<SpoolOptions> = {}) => {
  const spool = createSpoolingStore(inner, { dir, maxBytes: 1 << 20, log, retryMs: 5, ...options })
  spools.push(spool)
  return spool
}
const files = () => readdirSync(dir).sort()

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-spool-'))
})
afterEach(async () => {
  for (const spool of spools.splice(0)) await spool.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('spooling store', () => {
  it('writes straight through while the inner store is healthy', async () => {
    const inner = fakeStore()
    const spool = open(inner.store)
    await spool.write(batch(0, 10))
    expect(inner.rows).toHaveLength(10)
    expect(files()).toEqual([])
    expect(spool.backlogBatches()).toBe(0)
  })

  it('spools to disk while the store is down and drains everything in order once it is back', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store)
    for (let i = 0; i < 5; i++) await spool.write(batch(i * 10, 10))
    expect(spool.backlogBatches()).toBe(5)
    expect(spool.backlogBytes()).toBeGreaterThan(0)
    // segment files, not a file per batch: the one the failed drain sealed and the open one
    expect(files().length).toBeLessThanOrEqual(2)
    expect(inner.rows).toHaveLength(0)

    inner.state.failing = false
    // a write arriving while the backlog exists queues behind it instead of overtaking it
    await spool.write(batch(50, 10))
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i))
    expect(files()).toEqual([])
    expect(spool.backlogBytes()).toBe(0)
    expect(spool.backlogBatches()).toBe(0)

    await spool.write(batch(60, 1))
    expect(inner.rows).toHaveLength(61)
  })

  it('spools a batch whose inner write hangs past the timeout', async () => {
    const inner = fakeStore()
    inner.state.hang = true
    const spool = open(inner.store, { writeTimeoutMs: 20 })
    await spool.write(batch(0, 3))
    expect(spool.backlogBatches()).toBe(1)
    inner.state.hang = false
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual([0, 1, 2])
  })

  it('keeps values, timestamps and seq exactly through the disk round trip', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store)
    const odd: StoredReading[] = [
      { deviceId: 'r-1', metric: 'water_level_m', ts: 1_780_000_000_123, value: 0.1 + 0.2, seq: 4294967295 },
      { deviceId: 'r-1', metric: 'rain_mm_h', ts: 1_780_000_000_123, value: -1e-9, seq: 0 },
    ]
    await spool.write(odd)
    inner.state.failing = false
    await spool.drain()
    expect(inner.rows).toEqual(odd)
  })

  it('refuses writes once maxBytes is reached and accepts them again after draining', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store, { maxBytes: 3000 })
    let accepted = 0
    let refused: unknown
    for (let i = 0; i < 100 && !refused; i++) {
      try {
        await spool.write(batch(i * 10, 10))
        accepted++
      } catch (err) {
        refused = err
      }
    }
    expect(refused).toMatchObject({ code: 'SPOOL_FULL' })
    expect(spool.backlogBytes()).toBeLessThanOrEqual(3000)
    expect(spool.backlogBatches()).toBe(accepted)

    inner.state.failing = false
    await spool.drain()
    // every accepted batch arrived, the refused one did not (its caller still holds it)
    expect(inner.rows).toHaveLength(accepted * 10)
    await spool.write(batch(1000, 10))
    expect(inner.rows).toHaveLength(accepted * 10 + 10)
  })

  it('picks up the previous run’s files on start and drains them before newer batches', async () => {
    const down = fakeStore()
    down.state.failing = true
    const first = open(down.store)
    await first.write(batch(0, 10))
    await first.write(batch(10, 10))
    await first.close()
    // an interrupted append (never acknowledged) and an unrelated file
    writeFileSync(join(dir, '0000000000000099.batch.tmp'), '{"v":1,"rows":[[')

    const inner = fakeStore()
    inner.state.failing = true
    const second = open(inner.store)
    expect(second.backlogBatches()).toBe(2)
    await second.write(batch(20, 10))
    inner.state.failing = false
    await second.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(files()).toEqual([])
  })

  it('drains a long backlog in merged writes of whole segments, about drainRows rows each', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const before = open(inner.store, { segmentBytes: 1 }) // a segment per batch
    for (let i = 0; i < 10; i++) await before.write(batch(i * 10, 10))
    await before.close()
    // reopened, so the whole backlog is on disk before the first drain attempt
    inner.state.failing = false
    const spool = open(inner.store, { drainRows: 25 })
    await spool.drain()
    expect(inner.calls).toEqual([30, 30, 30, 10])
    expect(inner.rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('keeps a long outage in a few segment files and drains them in order', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store, { segmentBytes: 4096, retryMs: 60_000 })
    for (let i = 0; i < 300; i++) await spool.write(batch(i * 10, 10))
    expect(spool.backlogBatches()).toBe(300)
    const bytes = spool.backlogBytes()
    // one file per batch made 300 files here
    expect(files().length).toBeLessThanOrEqual(Math.ceil(bytes / 4096) + 2)
    expect(files().length).toBeGreaterThan(1)
    inner.state.failing = false
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i))
    expect(files()).toEqual([])
  })

  it('skips a batch torn by a crash mid-append (never acknowledged) and drains the rest', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const before = open(inner.store, { retryMs: 60_000 })
    for (let i = 0; i < 3; i++) await before.write(batch(i * 10, 10))
    await before.close()
    const [segment] = files().filter((f) => f.endsWith('.ndjson'))
    appendFileSync(join(dir, segment as string), '{"v":1,"rows":[["p-1","water_depth_cm",17')
    inner.state.failing = false
    const spool = open(inner.store)
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(files()).toEqual([])
  })

  it('sets an unreadable file aside instead of deleting it or stalling the drain', async () => {
    writeFileSync(join(dir, '0000000000000001.batch'), 'not json')
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store)
    await spool.write(batch(0, 2))
    inner.state.failing = false
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual([0, 1])
    expect(files()).toEqual(['0000000000000001.batch.corrupt'])
  })

  it('refuses writes after close and leaves the backlog on disk', async () => {
    const inner = fakeStore()
    inner.state.failing = true
    const spool = open(inner.store)
    await spool.write(batch(0, 2))
    const drained = spool.drain()
    await spool.close()
    await expect(drained).rejects.toThrow(/closed/)
    await expect(spool.write(batch(2, 1))).rejects.toThrow(/closed/)
    expect(files()).toHaveLength(1)
  })
})

describe('replay window', () => {
  it('sends batches the TSDB acknowledged just before it failed again, once it is back', async () => {
    const inner = fakeStore()
    let clock = 1_000_000
    const spool = open(inner.store, { replayWindowMs: 30_000, now: () => clock })
    await spool.write(batch(0, 2)) // acknowledged 40 s before the crash: outside the window
    clock += 40_000
    await spool.write(batch(2, 2)) // acknowledged just before the TSDB crashed and lost it
    inner.rows.splice(2) // the crash: the TSDB forgets what it acknowledged last
    inner.state.failing = true
    clock += 1000
    await spool.write(batch(4, 2)) // refused: spooled, and the recent batch with it
    inner.state.failing = false
    await spool.drain()
    expect(inner.rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('can be turned off', async () => {
    const inner = fakeStore()
    const spool = open(inner.store, { replayWindowMs: 0 })
    await spool.write(batch(0, 2))
    inner.state.failing = true
    await spool.write(batch(2, 2))
    inner.state.failing = false
    await spool.drain()
    expect(inner.rows.map((r) => r.seq)).toEqual([0, 1, 2, 3])
  })
})
