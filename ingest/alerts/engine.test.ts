import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type EmbeddedStore, openEmbeddedStore } from '../store/duckdb/index.js'
import { DEFAULT_RULES_FILE, readRulesFile, seedDefaultRules } from './default-rules.js'
import { createAlertEngine } from './engine.js'
import type { AlertEvent } from './notifier.js'
import { evaluateThreshold } from './rules/threshold.js'

const log = pino({ level: 'silent' })
const rail = { id: 'rail-1', kind: 'rail', site: 'Line 1' }
const T0 = Date.UTC(2026, 7, 1, 3)
// the engine's clock a little after the readings: they are live, not late
const now = () => T0 + 10 * 60_000
const reading = (i: number, rail_temp_c: number) => ({ ts: T0 + i * 60_000, seq: i, m: { rail_temp_c } })

describe('threshold with hysteresis', () => {
  const above = { op: 'above' as const, threshold: 50, clear: 48 }
  const below = { op: 'below' as const, threshold: 3, clear: 4 }
  it('raises only past the line and clears only past the clear level', () => {
    expect(evaluateThreshold(above, false, 50)).toBeNull()
    expect(evaluateThreshold(above, false, 50.1)).toBe('raise')
    expect(evaluateThreshold(above, true, 49)).toBeNull()
    expect(evaluateThreshold(above, true, 47.9)).toBe('clear')
    expect(evaluateThreshold(below, false, 2.9)).toBe('raise')
    expect(evaluateThreshold(below, true, 3.5)).toBeNull()
    expect(evaluateThreshold(below, true, 4.1)).toBe('clear')
  })
})

describe('default rules file', () => {
  it('is valid and covers every kind', () => {
    const rules = readRulesFile(DEFAULT_RULES_FILE)
    expect(new Set(rules.flatMap((r) => (r.type === 'gateway' ? [] : [r.kind])))).toEqual(
      new Set(['paddy', 'reservoir', 'rail']),
    )
  })
})

describe('alert engine', () => {
  let dir: string
  let store: EmbeddedStore
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-alerts-'))
    store = await openEmbeddedStore(join(dir, 'db.duckdb'))
    await seedDefaultRules(store.meta)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('raises once while a value flaps inside the hysteresis band, then clears', async () => {
    const events: AlertEvent[] = []
    const engine = await createAlertEngine({
      autoCheck: false,
      now,
      store: store.meta,
      notifiers: [{ name: 't', notify: (e) => void events.push(e) }],
      log,
    })
    const temps = [45, 50.5, 49, 50.2, 48.5, 51, 47.5, 46]
    engine.evaluate(
      rail,
      temps.map((t, i) => reading(i, t)),
    )
    await engine.idle()
    expect(events.map((e) => `${e.event}:${e.alert.ruleId}`)).toEqual([
      'raised:rail-watch',
      'cleared:rail-watch',
    ])
    expect(events[0]?.alert).toMatchObject({
      deviceId: 'rail-1',
      value: 50.5,
      threshold: 50,
      severity: 'watch',
      raisedAt: T0 + 60_000,
    })
    expect(events[1]?.alert.clearedAt).toBe(T0 + 6 * 60_000)
    const stored = await store.meta.listAlerts({ limit: 10 })
    expect(stored).toHaveLength(1)
    expect(stored[0]?.state).toBe('cleared')
  })

  it('raises watch and critical separately for the two rail lines', async () => {
    const events: AlertEvent[] = []
    const engine = await createAlertEngine({
      autoCheck: false,
      now,
      store: store.meta,
      notifiers: [{ name: 't', notify: (e) => void events.push(e) }],
      log,
    })
    engine.evaluate(rail, [reading(0, 62)])
    await engine.idle()
    expect(events.map((e) => e.alert.severity).sort()).toEqual(['critical', 'watch'])
  })

  it('keeps an open alert open across a restart (no second raise)', async () => {
    const first = await createAlertEngine({ store: store.meta, notifiers: [], log, autoCheck: false, now })
    first.evaluate(rail, [reading(0, 55)])
    await first.idle()
    const events: AlertEvent[] = []
    const second = await createAlertEngine({
      autoCheck: false,
      now,
      store: store.meta,
      notifiers: [{ name: 't', notify: (e) => void events.push(e) }],
      log,
    })
    expect(second.openAlerts()).toHaveLength(1)
    second.evaluate(rail, [reading(1, 56), reading(2, 45)])
    await second.idle()
    expect(events.map((e) => `${e.event}:${e.alert.ruleId}`)).toEqual(['cleared:rail-watch'])
  })

  it('isolates a failing notifier', async () => {
    const events: AlertEvent[] = []
    const engine = await createAlertEngine({
      autoCheck: false,
      now,
      store: store.meta,
      notifiers: [
        {
          name: 'broken',
          notify: () => {
            throw new Error('down')
          },
        },
        {
          name: 'async-broken',
          notify: async () => {
            throw new Error('down')
          },
        },
        { name: 'ok', notify: (e) => void events.push(e) },
      ],
      log,
    })
    engine.evaluate(rail, [reading(0, 51)])
    await engine.idle()
    expect(events).toHaveLength(1)
  })

  it('ignores readings older than the last evaluated one', async () => {
    const events: AlertEvent[] = []
    const engine = await createAlertEngine({
      autoCheck: false,
      now,
      store: store.meta,
      notifiers: [{ name: 't', notify: (e) => void events.push(e) }],
      log,
    })
    engine.evaluate(rail, [reading(5, 40)])
    engine.evaluate(rail, [reading(1, 55)])
    await engine.idle()
    expect(events).toHaveLength(0)
  })
})
