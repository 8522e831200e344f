/**
 * Chaos 7: a soak at moderate load — 200 devices, ~500 readings/s at QoS 1 from the raw-socket
 * load generator — for CHAOS_SOAK_S seconds (default 900) against the all-in-one. Reports RSS,
 * heap, active handles and open fds at start and end; passes when growth stays within a generous
 * margin, nothing acknowledged is missing from the store and no connection failed.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDuckDb } from '../../ingest/store/duckdb/database.js'
import { runLoad } from '../../simulators/load/load.js'
import { procFigures } from './helpers/proc.js'
import { reportCase } from './helpers/report.js'
import { type ChaosServer, createChaosServer } from './helpers/server.js'

const SOAK_S = Number(process.env.CHAOS_SOAK_S ?? 900)
const DEVICES = 200
const RATE = 500
const WARMUP_S = Math.min(30, Math.max(5, SOAK_S / 10))

let server: ChaosServer | undefined
afterAll(async () => server?.cleanup())

interface Snapshot {
  atS: number
  rssMb: number
  fds: number
  heapMb: number
  /** DuckDB's buffer manager: its cache of the growing table, bounded by DUCKDB_MEMORY_LIMIT_MB */
  duckdbMb: number
  handles: number
}

describe('chaos: soak', () => {
  it(
    `runs ${SOAK_S} s at ~${RATE} readings/s from ${DEVICES} devices with bounded memory, handles and fds`,
    async () => {
      server = await createChaosServer()
      const srv = server
      const pid = (await srv.start()).child.pid as number
      const ids = Array.from({ length: DEVICES }, (_, i) => `soak-${String(i).padStart(3, '0')}`)
      const kinds = ['paddy', 'reservoir', 'rail'] as const
      const devices = []
      for (const kind of kinds) {
        const mine = ids.filter((_, i) => kinds[i % 3] === kind)
        for (const [deviceId, password] of await srv.provision(mine, kind))
          devices.push({ deviceId, password, kind })
      }
      const started = Date.now()
      const snap = async (): Promise<Snapshot> => {
        const m = await srv.metrics()
        const p = procFigures(pid)
        return {
          atS: Math.round((Date.now() - started) / 1000),
          rssMb: p.rssMb,
          fds: p.fds,
          heapMb: (m.get('mimamori_process_nodejs_heap_size_used_bytes') ?? Number.NaN) / 2 ** 20,
          duckdbMb: (m.get('mimamori_duckdb_memory_bytes') ?? Number.NaN) / 2 ** 20,
          handles: m.get('mimamori_process_nodejs_active_handles_total') ?? Number.NaN,
        }
      }
      const snapshots: Snapshot[] = []
      let warm: Snapshot | undefined
      const sampler = setInterval(() => {
        void snap().then((s) => {
          snapshots.push(s)
          if (!warm && s.atS >= WARMUP_S) warm = s
        })
      }, 10_000)
      // the end figures are taken under load too, a few seconds before it stops
      let endLoad: Snapshot | undefined
      const endTimer = setTimeout(
        () =>
          void snap().then((x) => {
            endLoad = x
          }),
        Math.max(WARMUP_S + 1, SOAK_S - 5) * 1000,
      )
      const summary = await runLoad({
        url: srv.mqttUrl,
        devices,
        qos: 1,
        rate: RATE,
        durationMs: SOAK_S * 1000,
        window: 16,
        drainTimeoutMs: 30_000,
      })
      clearInterval(sampler)
      clearTimeout(endTimer)
      const idle = await snap()
      const end = endLoad ?? snapshots.at(-1) ?? idle
      const start = warm ?? snapshots[0] ?? end
      expect(await srv.stop('SIGTERM')).toBe(0)

      const db = await openDuckDb(join(srv.dataDir, 'mimamori.duckdb'))
      let stored = 0
      try {
        const rows = await db.all<{ n: number }>(
          "SELECT count(*)::DOUBLE AS n FROM (SELECT DISTINCT device_id, seq, ts FROM readings WHERE device_id LIKE 'soak-%')",
        )
        stored = rows[0]?.n ?? 0
      } finally {
        await db.close()
      }
      const rssSlopeMbPerH =
        end.atS > start.atS ? ((end.rssMb - start.rssMb) / (end.atS - start.atS)) * 3600 : Number.NaN
      // the part of the slope that is not DuckDB filling its cache up to its memory limit
      const rssLessDuckdbSlopeMbPerH =
        end.atS > start.atS
          ? ((end.rssMb - end.duckdbMb - (start.rssMb - start.duckdbMb)) / (end.atS - start.atS)) * 3600
          : Number.NaN
      const line = reportCase('7 soak (200 devices, QoS1)', {
        seconds: SOAK_S,
        targetRate: RATE,
        achievedRate: summary.msgPerS,
        connected: summary.connected,
        connectFailures: summary.connectFailures,
        errors: summary.errors,
        sent: summary.sent,
        acked: summary.acked,
        unacked: summary.unacked,
        stored,
        ackP99Ms: summary.latencyMs.p99 ?? Number.NaN,
        rssStartMB: start.rssMb,
        rssEndMB: end.rssMb,
        rssPeakMB: Math.max(...snapshots.map((s) => s.rssMb), end.rssMb),
        rssSlopeMBperH: rssSlopeMbPerH,
        duckdbStartMB: start.duckdbMb,
        duckdbEndMB: end.duckdbMb,
        rssLessDuckdbSlopeMBperH: rssLessDuckdbSlopeMbPerH,
        heapStartMB: start.heapMb,
        heapEndMB: end.heapMb,
        handlesStart: start.handles,
        handlesEnd: end.handles,
        fdsStart: start.fds,
        fdsEnd: end.fds,
        handlesIdleAfter: idle.handles,
        fdsIdleAfter: idle.fds,
      })
      expect(summary.connected, line).toBe(DEVICES)
      expect(summary.errors, line).toBe(0)
      expect(summary.unacked, line).toBe(0)
      expect(summary.acked, line).toBeGreaterThan(RATE * SOAK_S * 0.5)
      // every acknowledged reading is stored (a reading is one (device, seq, ts))
      expect(stored, line).toBeGreaterThanOrEqual(summary.acked)
      // bounded growth, generously: GC timing and DuckDB's caches move RSS by tens of MB
      expect(end.rssMb, line).toBeLessThan(Math.max(start.rssMb * 1.5, start.rssMb + 200))
      expect(end.heapMb, line).toBeLessThan(start.heapMb * 2 + 64)
      expect(end.handles, line).toBeLessThanOrEqual(start.handles + 20)
      expect(end.fds, line).toBeLessThanOrEqual(start.fds + 20)
      expect(idle.fds, line).toBeLessThanOrEqual(start.fds)
    },
    (SOAK_S + 600) * 1000,
  )
})
