/**
 * Chaos 2 (RELIABILITY.md items 8–9): the remote TSDB (Debian's VictoriaMetrics, STORE=influx)
 * is unavailable for CHAOS_TSDB_OUTAGE_S seconds (default 300) under steady QoS 1 load — first
 * hung (SIGSTOP: connections accepted, nothing answered), then down (connections refused).
 * Pass: PUBACKs keep coming (batches spool to disk), the spool drains when the TSDB is back, every
 * PUBACKed reading is in the TSDB, and the server's RSS stays bounded during the outage.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { createInfluxReadingStore } from '../../ingest/store/influx/reading-store.js'
import { missingProgram } from '../helpers/requirements.js'
import { eventually } from '../helpers/system.js'
import { startVictoriaMetrics, VICTORIA_METRICS, type VictoriaMetrics } from '../helpers/victoria-metrics.js'
import { startLedgerPublishers } from './helpers/ledger.js'
import { procFigures, sampleProc } from './helpers/proc.js'
import { reportCase } from './helpers/report.js'
import { type ChaosServer, createChaosServer } from './helpers/server.js'

const OUTAGE_S = Number(process.env.CHAOS_TSDB_OUTAGE_S ?? 300)
const DEVICES = 20
/** Per device: one reading every 100 ms → ~200 readings/s in all. */
const PAUSE_MS = 100
const STEP_MS = 10
/** Hung long enough for writes to pass the spool's 10 s write timeout, then down for the rest. */
const HUNG_S = Math.min(Math.max(OUTAGE_S / 3, 20), OUTAGE_S * 0.8)

let server: ChaosServer | undefined
let vm: VictoriaMetrics | undefined
let dir: string | undefined
afterAll(async () => {
  await server?.cleanup()
  await vm?.stop('SIGKILL')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(missingProgram(VICTORIA_METRICS, 'victoria-metrics'))('chaos: remote TSDB outage', () => {
  it(`spools through a ${OUTAGE_S} s TSDB outage under load, drains, loses nothing, keeps RSS bounded`, async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-chaos-vm-'))
    vm = await startVictoriaMetrics(join(dir, 'vm'))
    const tsdb = vm
    server = await createChaosServer({ STORE: 'influx', INFLUX_URL: tsdb.url })
    const srv = server
    const proc = await srv.start()
    const pid = proc.child.pid as number
    const ids = Array.from({ length: DEVICES }, (_, i) => `tsdb-${i}`)
    const devices = await srv.provision(ids, 'reservoir')
    // distinct timestamps per reading, recent enough for any retention
    const t0 = Date.now() - 12 * 3_600_000
    const run = startLedgerPublishers({
      url: srv.mqttUrl,
      devices,
      metric: 'water_level_m',
      perDevice: 10_000_000,
      window: 5,
      t0,
      stepMs: STEP_MS,
      pauseMs: PAUSE_MS,
    })

    await sleep(15_000)
    const before = { ...procFigures(pid), acked: run.acked.size }
    const sampler = sampleProc(pid, 1000)
    const outageStarted = Date.now()
    tsdb.pause() // hung first…
    await sleep(HUNG_S * 1000)
    const ackedHung = run.acked.size - before.acked
    await tsdb.stop() // …then down
    await sleep((OUTAGE_S - HUNG_S) * 1000)
    const metrics = await srv.metrics()
    const backlogBytes = metrics.get('mimamori_spool_backlog_bytes') ?? 0
    const backlogBatches = metrics.get('mimamori_spool_backlog_batches') ?? 0
    // segment files, not one file per batch (that made ~17,700 files in 300 s)
    const spoolFiles = readdirSync(join(srv.dataDir, 'spool')).length
    const ackedDuringOutage = run.acked.size - before.acked
    const atEnd = procFigures(pid)
    sampler.stop()
    const peak = sampler.peak()
    const outageS = (Date.now() - outageStarted) / 1000

    await tsdb.restart()
    const drainStarted = Date.now()
    await sleep(5000)
    const { unacked } = await run.stop()
    await eventually(
      async () => (await srv.metrics()).get('mimamori_spool_backlog_batches') === 0,
      300_000,
      'the spool to drain',
    )
    const drainS = (Date.now() - drainStarted) / 1000
    expect(await srv.stop('SIGTERM')).toBe(0)
    await tsdb.forceFlush()
    await sleep(1500)

    const store = createInfluxReadingStore({
      url: tsdb.url,
      org: 'mimamori',
      bucket: 'mimamori',
      flavor: 'victoria-metrics',
      log: pino({ level: 'silent' }),
      timeoutMs: 60_000,
    })
    const stored = new Set<string>()
    for (const id of ids) {
      for (const k of await store.storedKeys(id, t0, t0 + 10_000_000 * STEP_MS)) stored.add(`${id}:${k.seq}`)
    }
    const lost = [...run.acked].filter((k) => !stored.has(k))
    const line = reportCase('2 TSDB outage (VictoriaMetrics hung, then down) under QoS1 load', {
      outageS: Math.round(outageS),
      hungS: Math.round(HUNG_S),
      acked: run.acked.size,
      ackedDuringOutage,
      spooledBatches: backlogBatches,
      spoolFiles,
      spooledMB: backlogBytes / 2 ** 20,
      drainS: Math.round(drainS),
      stored: stored.size,
      lost: lost.length,
      rssBeforeMB: before.rssMb,
      rssPeakMB: peak.rssMb,
      rssEndOfOutageMB: atEnd.rssMb,
      fdsBefore: before.fds,
      fdsPeak: peak.fds,
    })
    expect(unacked).toBe(0)
    // PUBACKs kept coming while the TSDB hung and while it was down (spooled, not withheld)
    expect(ackedHung, line).toBeGreaterThan(0)
    expect(ackedDuringOutage - ackedHung, line).toBeGreaterThan(0)
    expect(backlogBatches, line).toBeGreaterThan(0)
    expect(spoolFiles, line).toBeLessThanOrEqual(Math.ceil(backlogBytes / 2 ** 20) + 2)
    expect(lost.slice(0, 20), line).toEqual([])
    // memory bounded: the backlog is on disk, not in RAM (generous: GC timing, the replay window)
    expect(peak.rssMb, line).toBeLessThan(Math.max(2 * before.rssMb, before.rssMb + 250))
    expect(peak.fds, line).toBeLessThan(before.fds + 100)
  }, 1_800_000)
})
