import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { seedDefaultRules } from '../../ingest/alerts/default-rules.js'
import { createAlertEngine } from '../../ingest/alerts/engine.js'
import type { AlertEvent } from '../../ingest/alerts/notifier.js'
import { createImageStore } from '../../ingest/images.js'
import { openEmbeddedStore } from '../../ingest/store/duckdb/index.js'
import type { AlertRecord } from '../../ingest/store/meta-store.js'
import { resolveScenario } from '../../simulators/scenario/library.js'
import type { Scenario } from '../../simulators/scenario/schema.js'
import { scenarioReadings } from '../../simulators/scenario/timeline.js'

/** A tiny JPEG stand-in: the image store checks nothing but the bytes it is given. */
const FAKE_JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xd9])

interface ReplayResult {
  /** Events pushed to notifiers, in order, with the simulated wall time they were pushed at. */
  pushed: Array<{
    at: number
    event: AlertEvent['event']
    ruleId: string
    deviceId: string
    raisedAt: number
    late: boolean
  }>
  /** Every alert stored, oldest first (historical ones included). */
  alerts: AlertRecord[]
}

/**
 * Plays a scenario's timeline through the real alert engine, in process, with the engine's clock
 * at the simulated time each message is received: the alert timeline as ingest would produce it,
 * without MQTT. Settings (`site`/`device` scope) go in first, e.g. a paddy's crop calendar.
 */
async function replayScenario(
  scenario: Scenario,
  opts: {
    settings?: Array<{ scope: 'site' | 'device'; target: string; settings: unknown }>
    checkEveryMs?: number
  } = {},
): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-replay-'))
  const store = await openEmbeddedStore(join(dir, 'db.duckdb'))
  try {
    await seedDefaultRules(store.meta)
    for (const s of opts.settings ?? [])
      await store.meta.putAlertSettings({ ...s, updatedAt: 0, updatedBy: 'test' })
    let clock = scenario.start
    const timers: Array<{ due: number; fn: () => void }> = []
    const images = createImageStore(join(dir, 'images'), store.meta, () => clock)
    const pushed: ReplayResult['pushed'] = []
    const devices = scenario.devices.map((d) => ({
      id: d.id,
      kind: d.kind,
      site: null,
      gatewayId: null,
      revokedAt: null,
    }))
    const engine = await createAlertEngine({
      store: store.meta,
      notifiers: [
        {
          name: 'recorder',
          notify: (e) =>
            void pushed.push({
              at: clock,
              event: e.event,
              ruleId: e.alert.ruleId,
              deviceId: e.alert.deviceId,
              raisedAt: e.alert.raisedAt,
              late: e.alert.late ?? false,
            }),
        },
      ],
      log: pino({ level: 'silent' }),
      directory: { list: () => devices, get: (id) => devices.find((d) => d.id === id) },
      images,
      now: () => clock,
      autoCheck: false,
      timers: {
        setInterval: () => 0 as unknown as ReturnType<typeof setInterval>,
        clearInterval: () => {},
        setTimeout: (fn, ms) => {
          const t = { due: clock + ms, fn }
          timers.push(t)
          return t as unknown as ReturnType<typeof setTimeout>
        },
        clearTimeout: (t) => {
          const i = timers.indexOf(t as unknown as (typeof timers)[number])
          if (i >= 0) timers.splice(i, 1)
        },
      },
    })
    const checkEvery = opts.checkEveryMs ?? 60_000
    let nextCheck = scenario.start + checkEvery
    const advance = async (to: number) => {
      while (nextCheck <= to) {
        clock = nextCheck
        for (const t of timers.filter((t) => t.due <= clock)) {
          timers.splice(timers.indexOf(t), 1)
          t.fn()
        }
        engine.check()
        await engine.idle()
        nextCheck += checkEvery
      }
      clock = to
      await engine.idle()
    }
    for (const event of scenarioReadings(scenario)) {
      await advance(event.at)
      const device = devices.find((d) => d.id === event.deviceId)
      if (!device) continue
      if (event.type === 'image') await images.save(event.deviceId, event.captureTs, FAKE_JPEG)
      if (event.type !== 'telemetry' || event.readings.length === 0 || event.duplicate) continue
      const sorted = [...event.readings].sort((a, b) => a.ts - b.ts)
      engine.evaluate(device, sorted, { batch: event.batch, receivedAt: event.at })
      await engine.idle()
    }
    await advance(scenario.start + scenario.duration)
    await engine.idle()
    engine.close()
    // in raise order; alerts raised at the same instant by device and rule (each severity is
    // stored on its own chain, so their ids need not follow the order they were raised in)
    const alerts = (await store.meta.listAlerts({ limit: 1000 })).sort(
      (a, b) =>
        a.raisedAt - b.raisedAt || a.deviceId.localeCompare(b.deviceId) || a.ruleId.localeCompare(b.ruleId),
    )
    return { pushed, alerts }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const MIN = 60_000
/** `2d11h05m` after the scenario start. */
const offset = (ms: number, start: number) => {
  const m = Math.round((ms - start) / MIN)
  return `${Math.floor(m / 1440)}d${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}h${String(m % 60).padStart(2, '0')}m`
}
const timeline = (r: ReplayResult, s: Scenario) =>
  r.alerts.map(
    (a) =>
      `${a.deviceId} ${a.ruleId} ${a.severity} ${offset(a.raisedAt, s.start)}–${a.clearedAt ? offset(a.clearedAt, s.start) : 'open'}${a.historical ? ' historical' : ''}${a.late ? ' late' : ''}`,
  )

/**
 * First reading past each raised alert's line before it was raised: the delay from crossing to
 * alert in simulated time (printed with ALERT_TIMELINE=1 for docs/alerts.md).
 */
function crossingDelays(s: Scenario, r: ReplayResult): string[] {
  const readings = new Map<string, Array<{ ts: number; m: Record<string, number> }>>()
  for (const e of scenarioReadings(s))
    if (e.type === 'telemetry' && !e.duplicate)
      readings.set(e.deviceId, [...(readings.get(e.deviceId) ?? []), ...e.readings])
  return r.alerts.flatMap((a) => {
    const e = a.evidence as { op?: string; metric?: string; since?: number } | null
    if (!e?.metric || !e.op || a.type !== 'threshold') return []
    const series = (readings.get(a.deviceId) ?? [])
      .filter((x) => x.ts <= a.raisedAt)
      .sort((x, y) => x.ts - y.ts)
    let crossing = a.raisedAt
    for (let i = series.length - 1; i >= 0; i--) {
      const v = series[i]?.m[e.metric]
      if (v === undefined) continue
      if (e.op === 'above' ? v > a.threshold : v < a.threshold) crossing = series[i]?.ts ?? crossing
      else break
    }
    const pushed = r.pushed.find(
      (p) => p.event === 'raised' && p.ruleId === a.ruleId && p.raisedAt === a.raisedAt,
    )
    return [
      `${a.deviceId} ${a.ruleId}: crossed ${offset(crossing, s.start)}, raised ${offset(a.raisedAt, s.start)} (+${(a.raisedAt - crossing) / MIN} min), pushed ${pushed ? offset(pushed.at, s.start) : 'never'}`,
    ]
  })
}

async function run(name: string, opts: Parameters<typeof replayScenario>[1] = {}) {
  const s = resolveScenario(name)
  const r = await replayScenario(s, opts)
  if (process.env.ALERT_TIMELINE) {
    console.log([`== ${name}`, ...timeline(r, s), ...crossingDelays(s, r)].join('\n'))
    for (const p of r.pushed)
      console.log(`  pushed ${offset(p.at, s.start)} ${p.event} ${p.deviceId} ${p.ruleId}`)
  }
  return { s, r, lines: timeline(r, s) }
}

describe('the built-in scenarios through the alert engine (in process, simulated clock)', () => {
  it('typhoon reservoir rise: watch, rising fast, near crest, forecast, overflow — in that order', async () => {
    const { lines } = await run('typhoon-reservoir')
    expect(lines).toEqual(TYPHOON)
  })

  it('summer rail heat: the deck passes the watch line each afternoon and the action line on day 3', async () => {
    const { lines } = await run('rail-heatwave')
    expect(lines).toEqual(RAIL)
  })

  it('paddy season without a crop calendar: drainage shows up as "too shallow"', async () => {
    const { lines } = await run('paddy-season')
    expect(lines).toEqual(PADDY_NO_CALENDAR)
  })

  it('paddy season with its crop calendar: drainage raises nothing, the August downpour still does', async () => {
    const { lines } = await run('paddy-season', {
      settings: [{ scope: 'device', target: 'p-season', settings: PADDY_CALENDAR }],
    })
    expect(lines).toEqual(PADDY_WITH_CALENDAR)
  })

  it('night uplink outage: what the backfill raised is marked late, pushed only if still open', async () => {
    const { s, r, lines } = await run('night-uplink-outage')
    expect(lines).toEqual(NIGHT)
    const end = s.start + 10 * 60 * MIN
    for (const a of r.alerts.filter((a) => a.late)) expect(a.raisedAt).toBeLessThan(end)
    expect(r.pushed.filter((p) => p.late && p.event === 'raised').every((p) => p.at >= end)).toBe(true)
  })
})

/** The simulator's water management as a farmer would enter it (simulators/models/paddy.ts). */
const PADDY_CALENDAR = {
  cropCalendar: {
    stages: [
      { stage: 'transplanting', from: '2026-05-11' },
      { stage: 'tillering', from: '2026-05-21' },
      { stage: 'midseason_drainage', from: '2026-07-05' },
      { stage: 'deep_water', from: '2026-07-17' },
      { stage: 'ripening', from: '2026-08-05' },
      { stage: 'final_drainage', from: '2026-08-26' },
    ],
    end: '2026-09-10',
  },
}

const TYPHOON = [
  'r-typhoon reservoir-above-normal watch 0d14h40m–open',
  'r-typhoon reservoir-level-high warning 0d18h10m–open',
  'r-typhoon reservoir-rising-fast warning 0d18h10m–0d23h10m',
  'r-typhoon reservoir-crest-forecast warning 0d19h30m–1d09h50m',
  'r-typhoon reservoir-overflow critical 0d21h00m–1d12h10m',
  'r-prereleased reservoir-rising-fast warning 0d23h10m–1d05h20m',
  'r-prereleased reservoir-above-normal watch 1d06h10m–1d13h40m',
]
const RAIL = [
  'rail-deck rail-watch watch 0d10h05m–0d16h15m',
  'rail-deck rail-watch watch 1d09h40m–1d16h10m',
  'rail-deck rail-watch watch 2d08h30m–2d17h30m',
  'rail-ballast rail-watch watch 2d09h45m–2d16h40m',
  'rail-deck rail-action critical 2d11h05m–2d15h40m',
]
const PADDY_NO_CALENDAR = [
  'p-season paddy-falling-fast watch 65d00h00m–65d03h00m',
  'p-season paddy-too-shallow warning 65d01h00m–77d10h30m',
  'p-season paddy-too-deep watch 103d03h30m–103d11h30m',
  'p-season paddy-falling-fast watch 117d00h00m–117d03h00m',
  'p-season paddy-too-shallow warning 117d01h00m–open',
]
const PADDY_WITH_CALENDAR = ['p-season paddy-too-deep watch 103d03h00m–104d03h30m']
const NIGHT = [
  'p-night paddy-silent watch 0d04h13m–0d10h00m',
  'r-night reservoir-silent warning 0d04h13m–0d10h00m',
  'rail-night rail-silent warning 0d04h13m–0d10h00m',
  'r-night reservoir-rising-fast warning 0d07h20m–0d11h35m late',
  'r-night reservoir-above-normal watch 0d07h55m–open late',
  'p-night paddy-too-deep watch 0d08h20m–open late',
  'r-night reservoir-crest-forecast warning 0d08h25m–0d11h45m late',
  'r-night reservoir-level-high warning 0d08h40m–open late',
]
