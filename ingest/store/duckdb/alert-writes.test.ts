import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertRecord, Severity } from '../meta-store.js'
import { createDuckDbAlertStore } from './alert-store.js'
import { MAX_ALERT_BATCH } from './alert-writes.js'
import { type Db, openDuckDb } from './database.js'

let dir: string
let db: Db

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-alert-inserts-'))
  db = await openDuckDb(join(dir, 'alerts.duckdb'))
})
afterEach(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const T0 = Date.UTC(2026, 7, 1, 3, 0, 0, 123)

const alert = (i: number, severity: Severity = 'info'): Omit<AlertRecord, 'id'> => ({
  ruleId: `rule-${severity}`,
  deviceId: `dev-${i}`,
  metric: 'water_depth_cm',
  severity,
  state: 'raised',
  message: `alert ${i}`,
  // integers and fractions mixed, as real values come; each batch after the first starts with an
  // integer (a list's type must not follow its first item)
  value: i % 2 ? i : i + 0.5,
  threshold: i % 2 ? 10 : 9.5,
  raisedAt: T0 + i,
  clearedAt: null,
  type: 'fault',
  subject: 'device',
  site: i % 2 ? 'north' : null,
  deviceKind: 'paddy',
  historical: i % 3 === 0,
  late: false,
  evidence: { metric: 'water_depth_cm', trend: [i, i + 1] },
})

/** The database, counting how often each prepared statement runs (by its first words). */
function counting(target: Db) {
  const runs: Record<string, number> = {}
  const db: Db = {
    ...target,
    prepared(sql) {
      const statement = target.prepared(sql)
      const name = sql.trim().split(/\s+/).slice(0, 3).join(' ')
      const count = () => {
        runs[name] = (runs[name] ?? 0) + 1
      }
      return {
        all: (params, types) => {
          count()
          return statement.all(params, types)
        },
        run: (params, types) => {
          count()
          return statement.run(params, types)
        },
      }
    },
  }
  return { db, runs }
}

describe('batched alert inserts', () => {
  it('stores a burst of alerts in a few statements, each with its own record, id and raised event', async () => {
    const { db: counted, runs } = counting(db)
    const store = createDuckDbAlertStore(counted)
    const inputs = Array.from({ length: 1200 }, (_, i) => alert(i))
    const records = await Promise.all(inputs.map((a) => store.insertAlert(a)))
    // the first alert alone, then the rest in batches of at most MAX_ALERT_BATCH; none retried
    const batches = 1 + Math.ceil(1199 / MAX_ALERT_BATCH)
    expect(runs['INSERT INTO alerts']).toBe(batches)
    expect(runs['INSERT INTO alert_events']).toBe(batches)

    expect(new Set(records.map((r) => r.id)).size).toBe(1200)
    records.forEach((record, i) => {
      expect(record).toMatchObject({ ...inputs[i], acknowledgedAt: null, escalationLevel: 0 })
    })
    // ids follow arrival within one severity
    const ids = records.map((r) => r.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))

    const [count] = await db.all<{ alerts: number; events: number }>(
      `SELECT (SELECT count(*) FROM alerts)::DOUBLE AS alerts,
              (SELECT count(*) FROM alert_events WHERE event = 'raised')::DOUBLE AS events`,
    )
    expect(count).toEqual({ alerts: 1200, events: 1200 })
    const stored = await store.getAlert(records[777]?.id as number)
    expect(stored).toEqual(records[777])
    const events = await store.listAlertEvents(records[5]?.id as number)
    expect(events).toEqual([
      { alertId: records[5]?.id, event: 'raised', at: T0 + 5, value: 5, actor: 'system', note: null },
    ])
  })

  it('writes the most severe waiting alerts first when more wait than one batch takes', async () => {
    const store = createDuckDbAlertStore(db)
    const lesser = Array.from({ length: MAX_ALERT_BATCH + 100 }, (_, i) => store.insertAlert(alert(i)))
    const critical = store.insertAlert(alert(99_999, 'critical'))
    const infoIds = (await Promise.all(lesser)).map((r) => r.id)
    const criticalId = (await critical).id
    // the first info alert went alone; the critical one leads the next batch, ahead of the rest
    expect(criticalId).toBeGreaterThan(infoIds[0] as number)
    expect(infoIds.filter((id) => id > criticalId).length).toBe(MAX_ALERT_BATCH + 99)
  })

  it('rejects only the alert the store refuses when its batch fails', async () => {
    const store = createDuckDbAlertStore(db)
    const bad = { ...alert(3), message: null as unknown as string } // NOT NULL column
    const results = await Promise.allSettled([
      store.insertAlert(alert(1)),
      store.insertAlert(alert(2)),
      store.insertAlert(bad),
      store.insertAlert(alert(4)),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    const rows = await db.all<{ device_id: string }>('SELECT device_id FROM alerts ORDER BY id')
    expect(rows.map((r) => r.device_id)).toEqual(['dev-1', 'dev-2', 'dev-4'])
    const [events] = await db.all<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM alert_events')
    expect(events?.n).toBe(3)
  })
})

describe('batched alert clears', () => {
  it('clears a burst of alerts in a few statements, each with its cleared event and actor', async () => {
    const { db: counted, runs } = counting(db)
    const store = createDuckDbAlertStore(counted)
    const records = await Promise.all(Array.from({ length: 700 }, (_, i) => store.insertAlert(alert(i))))
    await Promise.all(
      records.map((r, i) =>
        store.clearAlert(
          r.id,
          T0 + 60_000 + i,
          i % 2 ? i : i + 0.25,
          i === 7 ? { actor: 'tanaka', note: 'rule disabled' } : undefined,
        ),
      ),
    )
    // the first alone, then the rest in batches of at most MAX_ALERT_BATCH; none retried
    expect(runs['UPDATE alerts SET']).toBe(1 + Math.ceil(699 / MAX_ALERT_BATCH))
    const open = await store.listAlerts({ state: 'raised', limit: 1000 })
    expect(open).toEqual([])
    expect(await store.getAlert(records[9]?.id as number)).toMatchObject({
      state: 'cleared',
      clearedAt: T0 + 60_000 + 9,
    })
    const events = await store.listAlertEvents(records[7]?.id as number)
    expect(events.map((e) => [e.event, e.at, e.value, e.actor, e.note])).toEqual([
      ['raised', T0 + 7, 7, 'system', null],
      ['cleared', T0 + 60_007, 7, 'tanaka', 'rule disabled'],
    ])
  })
})

describe('prepared statements', () => {
  it('take turns when run concurrently, each with its own parameters', async () => {
    const square = db.prepared('SELECT ($1::DOUBLE * $1::DOUBLE) AS v')
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => square.all<{ v: number }>([i])))
    expect(results.map((rows) => rows[0]?.v)).toEqual(Array.from({ length: 50 }, (_, i) => i * i))
  })

  it('reports a statement that does not prepare, and prepares again on the next run', async () => {
    const statement = db.prepared('SELECT * FROM not_yet_there')
    await expect(statement.all([])).rejects.toThrow(/not_yet_there/)
    await db.run('CREATE TABLE not_yet_there (x INTEGER)')
    await db.run('INSERT INTO not_yet_there VALUES (7)')
    expect(await statement.all([])).toEqual([{ x: 7 }])
  })
})
