import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type EmbeddedStore, openEmbeddedStore } from '../store/duckdb/index.js'
import type { AlertStore, Severity } from '../store/meta-store.js'
import type { RaiseRequest } from './alert-types.js'
import { createAlertBook } from './lifecycle.js'
import type { AlertEvent } from './notifier.js'

let dir: string
let db: EmbeddedStore
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-storm-'))
  db = await openEmbeddedStore(join(dir, 'mimamori.duckdb'))
})
afterEach(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const T0 = Date.UTC(2026, 8, 1, 6)

const silent = (i: number, severity: Severity = 'watch'): RaiseRequest => ({
  rule: { id: 'paddy-silent', type: 'silence', severity, label: 'Silent', labelJa: '無通信' },
  subjectId: `p-${i}`,
  subject: 'device',
  kind: 'paddy',
  site: 'Tanaka',
  metric: 'silence',
  at: T0,
  value: 0,
  threshold: 3,
  evidence: { metric: 'silence', unit: 'min', value: 0, threshold: 3, trend: [] },
  late: false,
})

/** A book on the real store, with the store's calls counted and, while `hold` is set, held. */
function book(options: { hold?: Promise<void> } = {}) {
  const meta = db.meta
  const calls = { insert: 0, clear: 0 }
  const store: AlertStore = {
    ...meta,
    insertAlert: async (alert) => {
      calls.insert++
      await options.hold
      return meta.insertAlert(alert)
    },
    clearAlert: async (...args) => {
      calls.clear++
      await options.hold
      return meta.clearAlert(...args)
    },
  }
  const events: AlertEvent[] = []
  const alerts = createAlertBook({
    store,
    notifiers: [{ name: 'test', notify: (event: AlertEvent) => void events.push(event) }],
    log: pino({ level: 'silent' }),
    now: () => T0,
    setTimer: setTimeout,
    clearTimer: clearTimeout,
    lateGraceMs: 10_000,
    imageWindowMs: 60_000,
  })
  return { alerts, calls, events }
}

describe('alert storms', () => {
  it('hands the clears of an outage ending to the store at once, not one by one along the chain', async () => {
    const first = book()
    for (let i = 0; i < 20; i++) first.alerts.raise(silent(i))
    await first.alerts.idle()
    expect(first.events.filter((e) => e.event === 'raised')).toHaveLength(20)

    let release = () => {}
    const hold = new Promise<void>((resolve) => {
      release = resolve
    })
    const second = book({ hold })
    for (const record of await db.meta.listAlerts({ state: 'raised', limit: 100 }))
      second.alerts.restore(record, silent(0).rule, 'paddy')
    for (let i = 0; i < 20; i++) second.alerts.clear('paddy-silent', `p-${i}`, T0 + 60_000, 1)
    // all twenty are with the store while the first is still held: one batch can take them
    await vi.waitFor(() => expect(second.calls.clear).toBe(20))
    expect(second.events).toEqual([])
    release()
    await second.alerts.idle()
    expect(second.events.map((e) => [e.event, e.alert.deviceId])).toEqual(
      Array.from({ length: 20 }, (_, i) => ['cleared', `p-${i}`]),
    )
    expect(await db.meta.listAlerts({ state: 'raised', limit: 100 })).toEqual([])
  })

  it('stores a storm of raises and clears with every transition, in order per alert', async () => {
    const { alerts, events } = book()
    for (let i = 0; i < 600; i++) alerts.raise(silent(i, i % 50 === 0 ? 'warning' : 'watch'))
    for (let i = 0; i < 600; i += 2) alerts.clear('paddy-silent', `p-${i}`, T0 + 60_000, 1)
    await alerts.idle()
    const stored = await db.meta.listAlerts({ limit: 1000 })
    expect(stored).toHaveLength(600)
    expect(stored.filter((a) => a.state === 'cleared')).toHaveLength(300)
    const p0 = stored.find((a) => a.deviceId === 'p-0')
    expect(p0).toMatchObject({ state: 'cleared', clearedAt: T0 + 60_000, severity: 'warning' })
    expect((await db.meta.listAlertEvents(p0?.id as number)).map((e) => e.event)).toEqual([
      'raised',
      'cleared',
    ])
    // each alert's events in order: raised before cleared
    const seen = new Map<string, string[]>()
    for (const e of events) seen.set(e.alert.deviceId, [...(seen.get(e.alert.deviceId) ?? []), e.event])
    expect(seen.get('p-0')).toEqual(['raised', 'cleared'])
    expect(seen.get('p-1')).toEqual(['raised'])
    expect([...seen.values()].every((list) => list[0] === 'raised')).toBe(true)
  })
})
