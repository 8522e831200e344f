import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { type EmbeddedStore, openEmbeddedStore } from '../../store/duckdb/index.js'
import { seedDefaultRules } from '../default-rules.js'
import { type AlertEngineDeps, createAlertEngine } from '../engine.js'
import type { AlertEvent } from '../notifier.js'

export const MIN = 60_000
/** A hot August noon in Japan. */
export const T0 = Date.UTC(2026, 7, 5, 3)

export const devices = [
  { id: 'rail-1', kind: 'rail', site: 'Line 1 east', gatewayId: null, revokedAt: null },
  { id: 'p-1', kind: 'paddy', site: 'Tanaka', gatewayId: 'gw-1', revokedAt: null },
  { id: 'p-2', kind: 'paddy', site: 'Tanaka', gatewayId: 'gw-1', revokedAt: null },
  { id: 'p-3', kind: 'paddy', site: 'Tanaka', gatewayId: 'gw-1', revokedAt: null },
  { id: 'r-1', kind: 'reservoir', site: 'Ikeda', gatewayId: null, revokedAt: null },
]
export type TestDevice = (typeof devices)[number]
export const rail = devices[0] as TestDevice
export const deviceById = (id: string) => devices.find((d) => d.id === id) as TestDevice

/** Rail readings every `stepMin` minutes from `fromMinute` after T0 (the air warming alongside). */
export const temps = (fromMinute: number, values: number[], stepMin = 5) =>
  values.map((v, i) => ({
    ts: T0 + (fromMinute + i * stepMin) * MIN,
    seq: fromMinute + i,
    m: { rail_temp_c: v, ambient_temp_c: 33 + i },
  }))

/**
 * The alert engine on a temporary DuckDB file with the default rules, a clock the test moves and
 * timers that fire only when it does: time-based behaviour without waiting or flakiness.
 */
export class EngineHarness {
  clock = T0
  events: AlertEvent[] = []
  private pending: Array<{ due: number; fn: () => void }> = []

  private constructor(
    readonly dir: string,
    readonly store: EmbeddedStore,
  ) {}

  static async create(): Promise<EngineHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-engine-'))
    const store = await openEmbeddedStore(join(dir, 'db.duckdb'))
    await seedDefaultRules(store.meta)
    return new EngineHarness(dir, store)
  }

  readonly timers: NonNullable<AlertEngineDeps['timers']> = {
    setInterval: () => 0 as unknown as ReturnType<typeof setInterval>,
    clearInterval: () => {},
    setTimeout: (fn, ms) => {
      const t = { due: this.clock + ms, fn }
      this.pending.push(t)
      return t as unknown as ReturnType<typeof setTimeout>
    },
    clearTimeout: (t) => {
      this.pending = this.pending.filter((x) => x !== (t as unknown))
    },
  }

  engineWith(extra: Partial<AlertEngineDeps> = {}) {
    return createAlertEngine({
      store: this.store.meta,
      notifiers: [{ name: 'recorder', notify: (e) => void this.events.push(e) }],
      log: pino({ level: 'silent' }),
      now: () => this.clock,
      timers: this.timers,
      autoCheck: false,
      directory: { list: () => devices, get: (id) => devices.find((d) => d.id === id) },
      ...extra,
    })
  }

  /** Moves the clock, firing due timers. */
  advance(ms: number) {
    this.clock += ms
    for (const t of this.pending.filter((t) => t.due <= this.clock)) {
      this.pending = this.pending.filter((x) => x !== t)
      t.fn()
    }
  }

  /** `raised:rail-watch@5`: event, rule, minutes after T0 the alert was raised. */
  timeline() {
    return this.events.map((e) => `${e.event}:${e.alert.ruleId}@${(e.alert.raisedAt - T0) / MIN}`)
  }

  async close() {
    await this.store.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export const createEngineHarness = () => EngineHarness.create()
