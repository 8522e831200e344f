import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StoredReading } from '../store.js'
import { openDuckDb } from './database.js'
import { DEFAULT_RETENTION, type EmbeddedStore, openEmbeddedStore } from './index.js'
import { encodeRows } from './ingest-log.js'
import { createLoggedReadingStore } from './logged-reading-store.js'
import { createDuckDbReadingStore } from './reading-store.js'
import { createRollups } from './rollups.js'

const T0 = Date.UTC(2026, 6, 1)
const rows = (device: string, from: number, n: number): StoredReading[] =>
  Array.from({ length: n }, (_, i) => [
    {
      deviceId: device,
      metric: 'water_depth_cm',
      ts: T0 + (from + i) * 1000,
      value: 5 + i / 10,
      seq: from + i,
    },
    { deviceId: device, metric: 'battery_v', ts: T0 + (from + i) * 1000, value: 3.6, seq: from + i },
  ]).flat()

describe('the ingest log in front of DuckDB', () => {
  let dir: string
  const open: EmbeddedStore[] = []
  const openStore = async () => {
    const store = await openEmbeddedStore(join(dir, 'm.duckdb'))
    open.push(store)
    return store
  }
  const logDir = () => join(dir, 'm.duckdb.ingest-log')
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('shows written rows to the next query, before any load was scheduled', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const store = await openStore()
    await store.readings.write(rows('p-1', 0, 50))
    expect(store.readings.unloadedBytes()).toBeGreaterThan(0)
    expect(await store.readings.count('p-1')).toBe(100)
    expect(store.readings.unloadedBytes()).toBe(0)
  })

  it('loads what a crashed process left in the log exactly once, cutting a torn last line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const first = await openStore()
    await first.readings.write(rows('p-1', 0, 30))
    await first.readings.write(rows('p-1', 30, 30))
    await first.close() // like a crash: nothing was loaded into DuckDB
    open.length = 0
    const [segment] = readdirSync(logDir())
    expect(segment).toBeDefined()
    // a batch whose fdatasync never returned (so it was never acknowledged), cut mid-line
    appendFileSync(join(logDir(), segment as string), 'p-1,water_depth_cm,17828640')

    const second = await openStore()
    expect(await second.readings.count('p-1')).toBe(120)
    expect(readdirSync(logDir())).toEqual([])
    const keys = await second.readings.storedKeys('p-1', T0, T0 + 3_600_000)
    expect(keys).toHaveLength(60)
  })

  it('does not load a segment again when the process died after its commit, before deleting the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const first = await openStore()
    await first.readings.write(rows('p-2', 0, 10))
    await first.close()
    open.length = 0
    const [segment] = readdirSync(logDir())
    const saved = join(dir, 'saved.csv')
    copyFileSync(join(logDir(), segment as string), saved)

    const second = await openStore() // loads it and deletes the file
    expect(await second.readings.count('p-2')).toBe(20)
    await second.close()
    open.length = 0
    copyFileSync(saved, join(logDir(), segment as string)) // the file the crash left behind

    const third = await openStore()
    expect(await third.readings.count('p-2')).toBe(20)
    expect(readdirSync(logDir())).toEqual([])
  })

  it('answers dedupe lookups for rows still in the log, one key per reading, without loading them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const store = await openStore()
    await store.readings.write(rows('p-3', 0, 5))
    const keys = await store.readings.storedKeys('p-3', T0 + 1000, T0 + 3000)
    expect(keys.map((k) => k.seq).sort()).toEqual([1, 2, 3])
    expect(store.readings.unloadedBytes()).toBeGreaterThan(0) // still in the log
    await store.readings.flush()
    expect((await store.readings.storedKeys('p-3', T0 + 1000, T0 + 3000)).map((k) => k.seq).sort()).toEqual([
      1, 2, 3,
    ])
  })

  it('loads sealed segments on its own, without a query asking', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const store = await openStore()
    await store.readings.write(rows('p-4', 0, 5))
    const deadline = Date.now() + 10_000
    while (store.readings.unloadedBytes() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(store.readings.unloadedBytes()).toBe(0)
    expect(readdirSync(logDir())).toEqual([])
  })

  it('lets a write in flight finish before close stops the writer thread, so its rows are there next time', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const first = await openStore()
    const writing = first.readings.write(rows('p-6', 0, 100_000)) // ~8 MB: the thread is still at it
    const closing = first.close()
    await writing // acknowledged: it must survive
    await closing
    open.length = 0
    const second = await openStore()
    expect(await second.readings.count('p-6')).toBe(200_000)
  })

  it('closes under a running load without hanging, and the next open loads every row once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const first = await openStore()
    for (let batch = 0; batch < 40; batch++) await first.readings.write(rows('p-5', batch * 5000, 5000))
    const flushing = first.readings.flush().then(
      () => 'loaded',
      (err: Error) => err.message,
    )
    await new Promise((resolve) => setTimeout(resolve, 20)) // the INSERT … FROM read_csv is running
    await first.close()
    expect(await flushing).toMatch(/loaded|closed/)
    open.length = 0

    const second = await openStore()
    expect(await second.readings.count('p-5')).toBe(400_000)
    expect(readdirSync(logDir())).toEqual([])
  })

  it('loads the segments waiting in one transaction, up to maxLoadBytes, and never again after', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    // five segments a stopped process left unloaded, 200 rows each
    mkdirSync(logDir())
    const names: string[] = []
    for (let i = 1; i <= 5; i++) {
      const name = `${String(i).padStart(12, '0')}.csv`
      writeFileSync(join(logDir(), name), encodeRows(rows(`p-${i}`, 0, 100)))
      names.push(name)
    }
    const segmentBytes = Buffer.byteLength(encodeRows(rows('p-1', 0, 100)))
    const saved = join(dir, 'saved')
    mkdirSync(saved)
    for (const name of names) copyFileSync(join(logDir(), name), join(saved, name))

    const openLogged = async (maxLoadBytes: number) => {
      const db = await openDuckDb(join(dir, 'm.duckdb'))
      const rollups = await createRollups(db, DEFAULT_RETENTION)
      const store = await createLoggedReadingStore(db, await createDuckDbReadingStore(db, rollups), rollups, {
        dir: logDir(),
        maxLoadBytes,
      })
      return { store, close: () => store.closeNow().then(() => db.close()) }
    }

    const all = await openLogged(1024 * 1024)
    expect(all.store.loadCount()).toEqual({ loads: 1, segments: 5 })
    expect(await all.store.count()).toBe(1000)
    expect(readdirSync(logDir())).toEqual([])
    await all.close()

    // the files back, as if the process died after the commit and before deleting them
    for (const name of names) copyFileSync(join(saved, name), join(logDir(), name))
    const again = await openLogged(1024 * 1024)
    expect(again.store.loadCount()).toEqual({ loads: 0, segments: 0 })
    expect(await again.store.count()).toBe(1000)
    await again.close()

    rmSync(join(dir, 'm.duckdb'))
    for (const name of names) copyFileSync(join(saved, name), join(logDir(), name))
    const capped = await openLogged(2 * segmentBytes)
    expect(capped.store.loadCount()).toEqual({ loads: 3, segments: 5 })
    expect(await capped.store.count('p-5')).toBe(200)
    await capped.close()

    // hours of small segments (a DuckDB that refused loads): at most 256 files per load
    for (let i = 6; i <= 305; i++)
      writeFileSync(join(logDir(), `${String(i).padStart(12, '0')}.csv`), encodeRows(rows(`q-${i}`, 0, 1)))
    const piled = await openLogged(1024 * 1024)
    expect(piled.store.loadCount()).toEqual({ loads: 2, segments: 300 })
    expect(await piled.store.count()).toBe(1000 + 600)
    await piled.close()
  })

  it('seals a quiet segment after 250 ms, and keeps a busy one open up to 2 s to load it as whole row groups', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const store = await openStore()
    // 61,440 rows in 250 ms (an eighth of four row groups) is ~61k paddy readings/s
    await store.readings.write(rows('busy', 0, 31_000)) // 62,000 rows at once
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(store.readings.loadCount().loads).toBe(0)
    expect(await store.readings.count('busy')).toBe(62_000) // a query loads it at any age
    expect(store.readings.loadCount()).toEqual({ loads: 1, segments: 1 })

    await store.readings.write(rows('quiet', 0, 10))
    const deadline = Date.now() + 5000
    while (store.readings.loadCount().loads < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(store.readings.loadCount().loads).toBe(2)
    expect(Date.now() - (deadline - 5000)).toBeLessThan(1500)
  })

  // What the busy seal relies on: DuckDB writes a large load into the data file and a small one
  // into its WAL (which a checkpoint rewrites later). Fails if a DuckDB upgrade changes that.
  it("writes a load of several row groups into DuckDB's data file and a small one into its WAL", async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-log-'))
    const store = await openStore()
    const wal = () => {
      try {
        return statSync(join(dir, 'm.duckdb.wal')).size
      } catch {
        return 0 // no WAL file: nothing written since the last checkpoint
      }
    }
    const before = wal()
    // 300,000 readings of 2 rows: ~4.9 row groups of 122,880 rows, in one load
    for (let from = 0; from < 300_000; from += 10_000) await store.readings.write(rows('big', from, 10_000))
    expect(await store.readings.count('big')).toBe(600_000)
    const afterLarge = wal()
    expect(afterLarge - before).toBeLessThan(256 * 1024)

    await store.readings.write(rows('small', 0, 20_000)) // 40,000 rows: under one row group
    expect(await store.readings.count('small')).toBe(40_000)
    expect(wal() - afterLarge).toBeGreaterThan(256 * 1024)
  }, 60_000)
})
