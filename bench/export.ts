/**
 * Open-data export: `rows` readings written straight into a data directory's DuckDB file (one
 * INSERT … SELECT over range(), before the server starts), then GET /api/v1/export?format=csv
 * streamed to the end: rows/s as the client receives them and the server's peak RSS meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { deviceIds, peakRss, provisionOffline, rssMb, startMimamori } from './common.js'

export interface ExportResult {
  rows: number
  loadSeconds: number
  seconds: number
  rowsPerS: number
  megabytes: number
  baseRssMb: number
  peakRssMb: number
}

const MIN = 60_000

export async function benchExport(log: (line: string) => void, rows: number): Promise<ExportResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-export-'))
  try {
    const stations = 200
    const metrics = ['water_level_m', 'rain_mm_h']
    const perSeries = Math.ceil(rows / stations / metrics.length)
    await provisionOffline(dir, [{ ids: deviceIds('res-', stations), kind: 'reservoir' }])
    // whole minutes ending two days ago: clear of the dedupe window loaded at start-up
    const end = Math.floor((Date.now() - 2 * 86_400_000) / MIN) * MIN
    const start = end - perSeries * MIN
    let t = performance.now()
    const instance = await DuckDBInstance.create(join(dir, 'mimamori.duckdb'))
    const db = await instance.connect()
    await db.run(`INSERT INTO readings (device_id, metric, ts, value, seq)
      SELECT 'res-' || (i % ${stations}),
             CASE (i // ${stations}) % 2 WHEN 0 THEN 'water_level_m' ELSE 'rain_mm_h' END,
             make_timestamptz((${start} + (i // ${stations * 2}) * ${MIN})::BIGINT * 1000),
             8 + ((i * 7) % 100) / 100.0,
             (i // ${stations * 2})::UINTEGER
        FROM range(${rows}) t(i)`)
    await db.run('CHECKPOINT')
    db.closeSync()
    instance.closeSync()
    const loadSeconds = (performance.now() - t) / 1000
    log(`  wrote ${rows.toLocaleString()} rows into DuckDB in ${loadSeconds.toFixed(1)} s`)

    const server = await startMimamori({ dataDir: dir })
    try {
      const baseRssMb = rssMb(server.pid)
      const peak = peakRss(server.pid)
      t = performance.now()
      const res = await fetch(`${server.api}/export?from=${start}&to=${end}&format=csv`, {
        headers: { authorization: `Bearer ${server.token}` },
      })
      if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`)
      let lines = 0
      let bytes = 0
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++
      }
      const seconds = (performance.now() - t) / 1000
      const peakRssMb = peak.stop()
      const exported = lines - 1 // the header
      const result = {
        rows: exported,
        loadSeconds,
        seconds,
        rowsPerS: exported / seconds,
        megabytes: bytes / 2 ** 20,
        baseRssMb,
        peakRssMb,
      }
      log(
        `  exported ${exported.toLocaleString()} rows (${result.megabytes.toFixed(0)} MB CSV) in ${seconds.toFixed(1)} s: ` +
          `${Math.round(result.rowsPerS).toLocaleString()} rows/s, server RSS ${baseRssMb.toFixed(0)} MB before, ${peakRssMb.toFixed(0)} MB peak`,
      )
      return result
    } finally {
      await server.stop()
      await server.dispose()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
