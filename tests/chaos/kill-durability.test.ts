/**
 * Chaos 1 (RELIABILITY.md items 2–4): SIGKILL the all-in-one `mimamori start` at random moments
 * while several mqtt.js publishers stream QoS 1 telemetry; after each restart the publishers
 * resend what was not acknowledged. Pass: every PUBACKed (device, seq) is stored, none twice.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/system.js'
import { startLedgerPublishers, verifyDuckDb } from './helpers/ledger.js'
import { reportCase } from './helpers/report.js'
import { type ChaosServer, createChaosServer } from './helpers/server.js'

const KILLS = Number(process.env.CHAOS_KILLS ?? 5)
const DEVICES = 6
let server: ChaosServer | undefined
afterAll(async () => server?.cleanup())

describe('chaos: SIGKILL under QoS 1 load', () => {
  it(`stores every PUBACKed reading exactly once across ${KILLS} SIGKILLs of the all-in-one`, async () => {
    server = await createChaosServer()
    const srv = server
    await srv.start()
    const ids = Array.from({ length: DEVICES }, (_, i) => `kill-${i}`)
    const devices = await srv.provision(ids, 'paddy')
    const t0 = Date.now() - 24 * 3_600_000
    const run = startLedgerPublishers({
      url: srv.mqttUrl,
      devices,
      metric: 'water_depth_cm',
      perDevice: 1_000_000,
      window: 20,
      t0,
      stepMs: 50,
    })
    const kills: Array<{ ackedBefore: number; afterMs: number }> = []
    const started = Date.now()
    for (let k = 0; k < KILLS; k++) {
      const base = run.acked.size
      // a random moment once the stream is flowing again: 200–2000 more readings acknowledged
      const more = 200 + Math.floor(Math.random() * 1800)
      await eventually(() => run.acked.size >= base + more, 120_000, `${more} more acknowledged readings`)
      await new Promise((r) => setTimeout(r, Math.random() * 300))
      kills.push({ ackedBefore: run.acked.size, afterMs: Date.now() - started })
      await srv.stop('SIGKILL')
      await srv.start()
    }
    const afterLast = run.acked.size
    await eventually(
      () => run.acked.size >= afterLast + 500,
      120_000,
      'acknowledgements after the last restart',
    )
    const { unacked } = await run.stop()
    expect(unacked).toBe(0)
    expect(await srv.stop('SIGTERM')).toBe(0)

    const verdict = await verifyDuckDb(join(srv.dataDir, 'mimamori.duckdb'), run.acked)
    const line = reportCase('1 kill -9 all-in-one under QoS1 load', {
      kills: kills.length,
      publishers: DEVICES,
      sent: run.sent(),
      acked: run.acked.size,
      publishRejected: run.rejected(),
      stored: verdict.storedDistinct,
      lost: verdict.lost.length,
      duplicateRows: verdict.duplicates,
      seconds: Math.round((Date.now() - started) / 1000),
    })
    expect(kills).toHaveLength(KILLS)
    expect(verdict.lost.slice(0, 20), line).toEqual([])
    expect(verdict.duplicates, line).toBe(0)
    // stored may exceed acked only by readings whose PUBACK was lost in a kill
    expect(verdict.storedDistinct).toBeGreaterThanOrEqual(run.acked.size)
    expect(verdict.rows).toBe(verdict.storedDistinct)
  }, 900_000)
})
