/**
 * One year of 1-minute data for one device (525,600 points) → the chart's aggregate query.
 * Measures the 1-year bucket query from rollups and from raw rows, and the 24 h raw query.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'

export interface QueryYearResult {
  points: number
  loadSeconds: number
  rollupSeconds: number
  yearBucketsMs: { rollups: number; raw: number }
  dayRawMs: number
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function time(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  await fn() // warm-up
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  return median(samples)
}

export async function benchQueryYear(log: (line: string) => void): Promise<QueryYearResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-year-'))
  const store = await openEmbeddedStore(join(dir, 'bench.duckdb'))
  try {
    const MIN = 60_000
    const end = Math.floor(Date.now() / MIN) * MIN
    const start = end - 365 * 24 * 60 * MIN
    const points = 525_600
    let t = performance.now()
    const batch = 50_000
    for (let i = 0; i < points; i += batch) {
      const rows = []
      for (let j = i; j < Math.min(points, i + batch); j++) {
        rows.push({
          deviceId: 'res-1',
          metric: 'water_level_m',
          ts: start + j * MIN,
          value: 8 + Math.sin(j / 1440) + (j % 7) * 0.01,
          seq: j,
        })
      }
      await store.readings.write(rows)
    }
    const loadSeconds = (performance.now() - t) / 1000
    log(`  loaded ${points.toLocaleString()} points in ${loadSeconds.toFixed(1)} s`)
    const query = { deviceId: 'res-1', metric: 'water_level_m', from: start, to: end, stepMs: 6 * 60 * MIN }
    const raw = await time(() => store.readings.buckets(query))
    t = performance.now()
    await store.rollups.run(end + 2 * MIN)
    const rollupSeconds = (performance.now() - t) / 1000
    const rollups = await time(() => store.readings.buckets(query))
    const dayRawMs = await time(() =>
      store.readings.raw({ deviceId: 'res-1', metric: 'water_level_m', from: end - 24 * 60 * MIN, to: end }),
    )
    log(
      `  1-year chart (1460 buckets of 6 h): ${rollups.toFixed(1)} ms from rollups, ${raw.toFixed(1)} ms from raw rows`,
    )
    log(
      `  24 h of raw points (1440): ${dayRawMs.toFixed(1)} ms; rolling up a year took ${rollupSeconds.toFixed(1)} s`,
    )
    return { points, loadSeconds, rollupSeconds, yearBucketsMs: { rollups, raw }, dayRawMs }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
