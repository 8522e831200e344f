import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseLockedError, type EmbeddedStore, openEmbeddedStore } from './index.js'

let dir: string
let store: EmbeddedStore

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-store-'))
  store = await openEmbeddedStore(join(dir, 'mimamori.duckdb'))
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const T0 = Date.UTC(2026, 6, 1)

describe('DuckDB reading store', () => {
  it('returns written readings by range, latest and bucket', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      deviceId: 'p-1',
      metric: 'water_depth_cm',
      ts: T0 + i * 60_000,
      value: i % 10,
      seq: i,
    }))
    await store.readings.write(rows)
    await store.readings.write([{ deviceId: 'p-2', metric: 'water_depth_cm', ts: T0, value: 3.5, seq: 0 }])

    expect(await store.readings.count()).toBe(121)
    const raw = await store.readings.raw({
      deviceId: 'p-1',
      metric: 'water_depth_cm',
      from: T0,
      to: T0 + 9 * 60_000,
    })
    expect(raw.map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(raw[0]?.ts).toBe(T0)

    const buckets = await store.readings.buckets({
      deviceId: 'p-1',
      metric: 'water_depth_cm',
      from: T0,
      to: T0 + 119 * 60_000,
      stepMs: 30 * 60_000,
    })
    expect(buckets).toHaveLength(4)
    expect(buckets[0]).toEqual({ ts: T0, min: 0, max: 9, avg: 4.5, last: 9, count: 30 })

    const latest = await store.readings.latestAll()
    expect(latest.get('p-1')?.water_depth_cm).toEqual({ ts: T0 + 119 * 60_000, value: 9 })
    expect(latest.get('p-2')?.water_depth_cm).toEqual({ ts: T0, value: 3.5 })
  })

  it('keeps millisecond timestamps exactly', async () => {
    await store.readings.write([{ deviceId: 'r-1', metric: 'water_level_m', ts: T0 + 123, value: 1, seq: 1 }])
    const [point] = await store.readings.raw({
      deviceId: 'r-1',
      metric: 'water_level_m',
      from: T0,
      to: T0 + 1000,
    })
    expect(point?.ts).toBe(T0 + 123)
  })
})

describe('DuckDB meta store', () => {
  it('stores devices, users, sessions, dead letters and alerts', async () => {
    await store.meta.addDevice({
      id: 'p-1',
      kind: 'paddy',
      site: 'A',
      secretHash: 'h',
      createdAt: T0,
      revokedAt: null,
    })
    expect(await store.meta.getDevice('p-1')).toMatchObject({
      id: 'p-1',
      kind: 'paddy',
      site: 'A',
      createdAt: T0,
    })
    expect(await store.meta.removeDevice('p-1')).toBe(true)
    expect(await store.meta.removeDevice('p-1')).toBe(false)

    await store.meta.addUser({ username: 'admin', passwordHash: 'x', role: 'admin', createdAt: T0 })
    expect(await store.meta.countUsers()).toBe(1)
    await store.meta.addSession('th', 'admin', Date.now() + 60_000)
    expect((await store.meta.getSession('th'))?.username).toBe('admin')

    await store.meta.addDeadLetters([
      {
        receivedAt: T0,
        deviceId: 'p-1',
        topic: 't',
        reason: 'bad_json',
        detail: 'x',
        payload: Buffer.from([0, 255, 1]),
      },
    ])
    const [letter] = await store.meta.listDeadLetters(10)
    expect(letter).toMatchObject({ deviceId: 'p-1', reason: 'bad_json' })
    expect([...(letter?.payload ?? [])]).toEqual([0, 255, 1])

    const alert = await store.meta.insertAlert({
      ruleId: 'r',
      deviceId: 'p-1',
      metric: 'm',
      severity: 'watch',
      state: 'raised',
      message: 'msg',
      value: 1,
      threshold: 2,
      raisedAt: T0,
      clearedAt: null,
    })
    await store.meta.clearAlert(alert.id, T0 + 1000, 0.5)
    expect(await store.meta.listAlerts({ limit: 10 })).toMatchObject([
      { id: alert.id, state: 'cleared', clearedAt: T0 + 1000 },
    ])
    expect((await store.meta.listAlertEvents(alert.id)).map((e) => e.event)).toEqual(['raised', 'cleared'])
  })
})

it('exports a typed lock error', () => {
  expect(new DatabaseLockedError('x').code).toBe('DB_LOCKED')
})

describe('DuckDB dedupe lookups', () => {
  it('finds stored keys by range and the newest keys per device', async () => {
    await store.readings.write([
      { deviceId: 'a', metric: 'x', ts: T0, value: 1, seq: 1 },
      { deviceId: 'a', metric: 'y', ts: T0, value: 1, seq: 1 },
      { deviceId: 'a', metric: 'x', ts: T0 + 1000, value: 1, seq: 2 },
      { deviceId: 'a', metric: 'x', ts: T0 + 2000, value: 1, seq: 3 },
      { deviceId: 'b', metric: 'x', ts: T0 + 5000, value: 1, seq: 9 },
    ])
    expect(await store.readings.storedKeys('a', T0, T0 + 1000)).toEqual(
      expect.arrayContaining([
        { seq: 1, ts: T0 },
        { seq: 2, ts: T0 + 1000 },
      ]),
    )
    expect(await store.readings.storedKeys('a', T0, T0 + 1000)).toHaveLength(2)
    const recent = await store.readings.recentKeys(T0, 2)
    expect(recent.get('a')).toEqual([
      { seq: 3, ts: T0 + 2000 },
      { seq: 2, ts: T0 + 1000 },
    ])
    expect(recent.get('b')).toEqual([{ seq: 9, ts: T0 + 5000 }])
  })
})

describe('rollups and retention', () => {
  const MIN = 60_000
  const day = (n: number) => n * 86_400_000

  it('answers long-range buckets from 10-minute rollups exactly as from raw rows', async () => {
    const rows = Array.from({ length: 3 * 24 * 60 }, (_, i) => ({
      deviceId: 'r-1',
      metric: 'water_level_m',
      ts: T0 + i * MIN,
      value: Math.sin(i / 50) * 3 + 5,
      seq: i,
    }))
    await store.readings.write(rows)
    const query = { deviceId: 'r-1', metric: 'water_level_m', from: T0, to: T0 + day(3), stepMs: 60 * MIN }
    const fromRaw = await store.readings.buckets(query)
    const result = await store.rollups.run(T0 + day(3) + 2 * MIN)
    expect(result.buckets).toBe(3 * 24 * 6)
    expect(store.rollups.watermark()).toBe(T0 + day(3))
    const fromRollups = await store.readings.buckets(query)
    expect(fromRollups).toHaveLength(72)
    for (const [i, bucket] of fromRollups.entries()) {
      const raw = fromRaw[i]
      expect(bucket.ts).toBe(raw?.ts)
      expect(bucket.count).toBe(raw?.count)
      expect(bucket.min).toBe(raw?.min)
      expect(bucket.max).toBe(raw?.max)
      expect(bucket.last).toBe(raw?.last)
      expect(bucket.avg).toBeCloseTo(raw?.avg as number, 9)
    }
  })

  it('recomputes a rolled-up range when late rows arrive, and deletes raw rows only once rolled up', async () => {
    await store.readings.write([{ deviceId: 'p', metric: 'x', ts: T0, value: 1, seq: 1 }])
    await store.rollups.run(T0 + day(1))
    await store.readings.write([{ deviceId: 'p', metric: 'x', ts: T0 + MIN, value: 9, seq: 2 }]) // backfill
    await store.rollups.run(T0 + day(1))
    const [bucket] = await store.readings.buckets({
      deviceId: 'p',
      metric: 'x',
      from: T0,
      to: T0 + day(1),
      stepMs: day(1),
    })
    expect(bucket).toMatchObject({ count: 2, max: 9, last: 9 })

    const retained = await openEmbeddedStore(join(dir, 'other.duckdb'), { rawMs: day(1), rollupMs: day(30) })
    try {
      await retained.readings.write([
        { deviceId: 'p', metric: 'x', ts: T0, value: 1, seq: 1 },
        { deviceId: 'p', metric: 'x', ts: T0 + day(2), value: 2, seq: 2 },
      ])
      const result = await retained.rollups.run(T0 + day(2) + 5 * MIN)
      expect(result.deletedRaw).toBe(1)
      expect(await retained.readings.count()).toBe(1)
      // the old reading lives on in its rollup
      const buckets = await retained.readings.buckets({
        deviceId: 'p',
        metric: 'x',
        from: T0,
        to: T0 + day(3),
        stepMs: day(1),
      })
      expect(buckets.map((b) => b.count)).toEqual([1, 1])
    } finally {
      await retained.close()
    }
  })
})
