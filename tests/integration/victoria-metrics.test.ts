import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createInfluxReadingStore } from '../../ingest/store/influx/reading-store.js'
import { createSpoolingStore, type SpoolingStore } from '../../ingest/store/spool.js'
import type { ReadingStore, StoredReading } from '../../ingest/store/store.js'
import { missingProgram } from '../helpers/requirements.js'
import { startVictoriaMetrics, VICTORIA_METRICS, type VictoriaMetrics } from '../helpers/victoria-metrics.js'

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
const MINUTE = 60_000

let dir: string
let vm: VictoriaMetrics
let spool: SpoolingStore | undefined

const storeFor = (timeoutMs = 5000): ReadingStore =>
  createInfluxReadingStore({
    url: vm.url,
    org: 'mimamori',
    bucket: 'mimamori',
    flavor: 'victoria-metrics',
    log,
    timeoutMs,
  })

/** Buckets computed the DuckDB store's way, to compare against. */
function expectedBuckets(
  points: Array<{ ts: number; value: number }>,
  from: number,
  to: number,
  step: number,
) {
  const out = new Map<
    number,
    { ts: number; min: number; max: number; sum: number; last: number; count: number }
  >()
  for (const p of points.filter((p) => p.ts >= from && p.ts <= to).sort((a, b) => a.ts - b.ts)) {
    const ts = Math.floor(p.ts / step) * step
    const b = out.get(ts) ?? { ts, min: p.value, max: p.value, sum: 0, last: p.value, count: 0 }
    b.min = Math.min(b.min, p.value)
    b.max = Math.max(b.max, p.value)
    b.sum += p.value
    b.last = p.value
    b.count++
    out.set(ts, b)
  }
  return [...out.values()].map(({ sum, ...b }) => ({ ...b, avg: expect.closeTo(sum / b.count, 9) }))
}

describe.skipIf(missingProgram(VICTORIA_METRICS, 'victoria-metrics'))('VictoriaMetrics reading store', () => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-vm-'))
    vm = await startVictoriaMetrics(join(dir, 'vm'))
  })
  afterEach(async () => {
    await spool?.close()
    spool = undefined
    await vm?.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads written readings back as raw points, buckets, latest values, keys and counts', async () => {
    const store = storeFor()
    // recent, minute-aligned timestamps: VictoriaMetrics drops samples outside its retention
    const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 4 * 60 * MINUTE
    const rows: StoredReading[] = []
    for (let i = 0; i < 120; i++) {
      rows.push({ deviceId: 'p-1', metric: 'water_depth_cm', ts: T0 + i * MINUTE, value: i % 10, seq: i })
      rows.push({ deviceId: 'p-1', metric: 'water_temp_c', ts: T0 + i * MINUTE, value: 20 + i / 8, seq: i })
    }
    rows.push({ deviceId: 'p-2', metric: 'water_depth_cm', ts: T0 + 123, value: 3.5, seq: 4294967295 })
    await store.write(rows)
    await vm.forceFlush()

    expect(await store.count()).toBe(241)
    expect(await store.count('p-2')).toBe(1)
    const raw = await store.raw({ deviceId: 'p-1', metric: 'water_depth_cm', from: T0, to: T0 + 9 * MINUTE })
    expect(raw).toEqual(Array.from({ length: 10 }, (_, i) => ({ ts: T0 + i * MINUTE, value: i })))
    expect(
      await store.raw({ deviceId: 'p-1', metric: 'water_depth_cm', from: T0, to: T0 + 1e9, limit: 2 }),
    ).toEqual([
      { ts: T0 + 118 * MINUTE, value: 8 },
      { ts: T0 + 119 * MINUTE, value: 9 },
    ])

    const depth = rows.filter((r) => r.deviceId === 'p-1' && r.metric === 'water_depth_cm')
    // aligned range, then one cut at both ends (partial first and last buckets)
    for (const [from, to] of [
      [T0, T0 + 119 * MINUTE],
      [T0 + 7 * MINUTE, T0 + 101 * MINUTE + 1],
    ] as const) {
      for (const step of [30 * MINUTE, 7 * MINUTE, MINUTE]) {
        const buckets = await store.buckets({
          deviceId: 'p-1',
          metric: 'water_depth_cm',
          from,
          to,
          stepMs: step,
        })
        expect(buckets).toEqual(expectedBuckets(depth, from, to, step))
      }
    }

    const latest = await store.latestAll()
    expect(latest.get('p-1')).toEqual({
      water_depth_cm: { ts: T0 + 119 * MINUTE, value: 9 },
      water_temp_c: { ts: T0 + 119 * MINUTE, value: 20 + 119 / 8 },
    })
    expect(latest.get('p-2')).toEqual({ water_depth_cm: { ts: T0 + 123, value: 3.5 } })

    expect(await store.storedKeys('p-2', T0, T0 + 1000)).toEqual([{ seq: 4294967295, ts: T0 + 123 }])
    const keys = await store.storedKeys('p-1', T0 + MINUTE, T0 + 3 * MINUTE)
    expect(keys.sort((a, b) => a.ts - b.ts)).toEqual([1, 2, 3].map((i) => ({ seq: i, ts: T0 + i * MINUTE })))
    const recent = await store.recentKeys(T0 + 116 * MINUTE, 2)
    expect(recent.get('p-1')).toEqual([
      { seq: 119, ts: T0 + 119 * MINUTE },
      { seq: 118, ts: T0 + 118 * MINUTE },
    ])
    expect(recent.has('p-2')).toBe(false)

    const scanned: StoredReading[] = []
    for await (const chunk of store.scan({ deviceIds: ['p-1', 'p-2'], from: T0, to: T0 + 2 * MINUTE })) {
      scanned.push(...chunk)
    }
    expect(scanned).toEqual([
      rows[0],
      rows[1],
      rows[240],
      ...rows.slice(2, 6), // (ts, device, metric) order
    ])
  })

  it('buckets the last minute exactly, where query_range would blur points by its latency offset', async () => {
    const store = storeFor()
    const now = Date.now()
    const points = Array.from({ length: 60 }, (_, i) => ({ ts: now - 59_000 + i * 1000, value: i }))
    await store.write(points.map((p, i) => ({ deviceId: 'r-1', metric: 'rail_temp_c', ...p, seq: i })))
    await vm.forceFlush()
    const from = now - 60_000
    const buckets = await store.buckets({
      deviceId: 'r-1',
      metric: 'rail_temp_c',
      from,
      to: now,
      stepMs: 10_000,
    })
    expect(buckets).toEqual(expectedBuckets(points, from, now, 10_000))
    expect((await store.latestAll()).get('r-1')?.rail_temp_c).toEqual({ ts: now, value: 59 })
  })

  it('keeps one point per device and timestamp: a second seq at the same ts overwrites the first', async () => {
    const store = storeFor()
    const ts = Date.now() - 10 * MINUTE
    await store.write([{ deviceId: 'd', metric: 'battery_v', ts, value: 3.1, seq: 1 }])
    await store.write([{ deviceId: 'd', metric: 'battery_v', ts, value: 3.1, seq: 1 }]) // a retried batch
    await store.write([{ deviceId: 'd', metric: 'battery_v', ts, value: 3.3, seq: 2 }])
    await vm.forceFlush()
    expect(await store.count('d')).toBe(1)
    expect(await store.storedKeys('d', ts, ts)).toHaveLength(1)
  })

  it('rejects a write when the TSDB refuses connections or hangs past the timeout', async () => {
    const store = storeFor(500)
    const row = { deviceId: 'd', metric: 'battery_v', ts: Date.now(), value: 3, seq: 1 }
    vm.pause()
    const started = Date.now()
    await expect(store.write([row])).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(3000)
    await vm.stop()
    await expect(store.write([row])).rejects.toThrow()
  })

  it('loses nothing and duplicates nothing across a TSDB hang and restart, through the disk spool', async () => {
    spool = createSpoolingStore(storeFor(1000), {
      dir: join(dir, 'spool'),
      maxBytes: 64 << 20,
      log,
      retryMs: 100,
      writeTimeoutMs: 1500,
    })
    const devices = 10
    const readings = 3000 // × 2 metrics
    const base = Date.now() - 2 * 60 * MINUTE
    const batchOf = (first: number, n: number) =>
      Array.from({ length: n }, (_, k) => first + k).flatMap((i) => {
        const reading = { deviceId: `p-${i % devices}`, ts: base + i * 100, seq: Math.floor(i / devices) }
        return [
          { ...reading, metric: 'water_depth_cm', value: i / 10 },
          { ...reading, metric: 'water_temp_c', value: 15 + (i % 7) },
        ]
      })
    let slowest = 0
    const write = async (first: number, n: number) => {
      const started = Date.now()
      await spool?.write(batchOf(first, n))
      slowest = Math.max(slowest, Date.now() - started)
    }

    let next = 0
    for (; next < 500; next += 50) await write(next, 50)
    expect(spool.backlogBatches()).toBe(0)

    vm.pause() // hung: connections accepted, nothing answered
    for (; next < 1500; next += 50) await write(next, 50)
    expect(spool.backlogBatches()).toBeGreaterThan(0)
    await vm.stop() // then down: connections refused (SIGTERM lets it flush what it acknowledged)
    for (; next < readings; next += 50) await write(next, 50)
    const backlog = { batches: spool.backlogBatches(), bytes: spool.backlogBytes() }
    expect(backlog.batches).toBeGreaterThan(0)

    await vm.restart()
    const drainStarted = Date.now()
    await spool.drain()
    const drainMs = Date.now() - drainStarted
    await vm.forceFlush()

    expect(spool.backlogBatches()).toBe(0)
    expect(await spool.count()).toBe(readings * 2)
    for (let d = 0; d < devices; d++) {
      const keys = await spool.storedKeys(`p-${d}`, base, base + readings * 100)
      expect(new Set(keys.map((k) => k.seq)).size).toBe(readings / devices)
    }
    // measured numbers for the report; the only timing bound is the 1.5 s write timeout
    log.info({ slowest, backlog, drainMs }, 'outage test')
    expect(slowest).toBeLessThan(5000)
  })

  it('loses nothing when the TSDB is killed -9 right after acknowledging writes (replay window)', async () => {
    spool = createSpoolingStore(storeFor(1000), {
      dir: join(dir, 'spool-kill'),
      maxBytes: 64 << 20,
      log,
      retryMs: 100,
      writeTimeoutMs: 1500,
      replayWindowMs: 60_000,
    })
    const readings = 2000
    const base = Date.now() - 30 * MINUTE
    const batchOf = (first: number, n: number) =>
      Array.from({ length: n }, (_, k) => first + k).map((i) => ({
        deviceId: `k-${i % 4}`,
        metric: 'water_level_m',
        ts: base + i * 100,
        value: i / 100,
        seq: i,
      }))
    let next = 0
    // acknowledged by VictoriaMetrics, but still in its memory: SIGKILL loses these there
    for (; next < 1000; next += 50) await spool.write(batchOf(next, 50))
    expect(spool.backlogBatches()).toBe(0)
    await vm.stop('SIGKILL')
    for (; next < readings; next += 50) await spool.write(batchOf(next, 50))
    await vm.restart()
    await spool.drain()
    await vm.forceFlush()
    expect(await spool.count()).toBe(readings)
  })
})
