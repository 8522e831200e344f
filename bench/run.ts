/**
 * `npm run bench`: runs the benchmarks, prints figures and writes bench/RESULTS.md (regenerated
 * on every run). Not part of `npm test`: timings on shared machines are reported, never asserted.
 * `BENCH_QUICK=1` runs fewer and shorter rounds (about 5 minutes instead of about 20);
 * `BENCH_ONLY=ingest,node-red,latency,scale,overload,export,query` runs some sections only.
 * See docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../tests/helpers/processes.js'
import { copyDataDir, deviceIds, fmt, provisionOffline, QUICK, ratio, startMimamori } from './common.js'
import { benchExport } from './export.js'
import { prepareIngestFleet } from './ingest-mqtt.js'
import { benchIngestPipeline } from './ingest-pipeline.js'
import { compareIngestWithMosquitto, type IngestComparison } from './ingest-vs-mosquitto.js'
import { benchLatency } from './latency.js'
import { machineFacts } from './machine.js'
import { benchNodeRedStack } from './node-red-stack.js'
import { benchOverload } from './overload.js'
import { benchQueryYear } from './query-year.js'
import {
  coreSection,
  exportSection,
  ingestSection,
  latencySection,
  nodeRedSection,
  querySection,
  scaleSection,
} from './report.js'
import { benchScale } from './scale.js'

const out = (line: string) => process.stdout.write(`${line}\n`)
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim())
const wanted = (section: string) => !only || only.includes(section)

async function main() {
  const started = Date.now()
  const facts = { ...machineFacts(), mode: QUICK ? 'BENCH_QUICK=1 (fewer, shorter runs)' : 'full' }
  out('mimamori benchmarks')
  for (const [k, v] of Object.entries(facts)) out(`  ${k}: ${v}`)
  const sections: string[] = []
  const summary: string[] = []

  if (wanted('ingest')) {
    out('\n[ingest core] validate → dedupe → group commit into DuckDB, 1000 devices, no network')
    sections.push(coreSection(await benchIngestPipeline(out)))
  }

  let ingest: IngestComparison[] = []
  const fleet = await prepareIngestFleet(1000)
  try {
    if (wanted('ingest')) {
      out(
        '\n[ingest over MQTT vs. mosquitto] 1000 devices, pre-encoded raw-socket generator on CPU 1, system on CPU 0, A/B alternated',
      )
      ingest = [
        ...(await compareIngestWithMosquitto(out, {
          fleet,
          rounds: QUICK ? 1 : 3,
          seconds: QUICK ? 5 : 10,
          qos: [1],
        })),
        // QoS 0 flat out leaves both sides more backlog than they take in a minute (nothing holds
        // publishers back), so rounds are short and the rate compared is the one while sending
        // (ingest-vs-mosquitto.ts); three rounds, since one ranged from 66k to 141k (docs/benchmarks.md)
        ...(await compareIngestWithMosquitto(out, { fleet, rounds: QUICK ? 1 : 3, seconds: 8, qos: [0] })),
      ]
      sections.push(ingestSection(ingest))
      for (const c of ingest) {
        summary.push(
          `ingest QoS ${c.qos}: mimamori ${fmt(c.median.mimamori)}/s, mosquitto ${fmt(c.median.mosquitto)}/s, ratio ${ratio(c.median.mimamori, c.median.mosquitto)}`,
        )
      }
    }
    if (wanted('node-red')) {
      out('\n[peer (b): Node-RED stack] mosquitto → Node-RED → VictoriaMetrics, same generator')
      const nodeRed = await benchNodeRedStack(out, {
        devices: fleet.devices,
        rates: QUICK ? [1000, 2000, 4000] : [1000, 2000, 3000, 4000, 6000],
        seconds: QUICK ? 5 : 8,
        overloadSeconds: QUICK ? 5 : 10,
      })
      const q1 = ingest.find((c) => c.qos === 1)
      sections.push(nodeRedSection(nodeRed, q1?.median.mimamori, q1?.lossless ?? false))
      summary.push(
        `Node-RED stack: sustained ${fmt(nodeRed.sustainedPerS)}/s, overload loss ${nodeRed.overload ? (100 - (100 * nodeRed.overload.stored) / Math.max(1, nodeRed.overload.acked)).toFixed(1) : '–'} %, mimamori/Node-RED ${ratio(q1?.median.mimamori, nodeRed.sustainedPerS)}`,
      )
    }
  } finally {
    fleet.dispose()
  }

  if (wanted('latency') || wanted('scale')) {
    const paddies = QUICK ? 10_000 : 15_000
    out(`\n[latency, scale] registering ${fmt(paddies)} paddies and 10 rail thermometers`)
    const template = mkdtempSync(join(tmpdir(), 'mimamori-bench-fleet-'))
    try {
      const devices = await provisionOffline(template, [
        { ids: deviceIds('s-', paddies), kind: 'paddy' },
        { ids: deviceIds('rail-', QUICK ? 5 : 10), kind: 'rail' },
      ])
      const pads = devices.filter((d) => d.kind === 'paddy')
      const rails = devices.filter((d) => d.kind === 'rail')
      if (wanted('latency')) {
        out('\n[latency] publish → frame in a socket.io readings array, crossing → alert event')
        const dir = copyDataDir(template)
        const server = await startMimamori({ dataDir: dir })
        try {
          const latency = await benchLatency(out, {
            server,
            paddies: pads,
            rails,
            rounds: QUICK ? 1 : 3,
            windowS: QUICK ? 4 : 8,
            settleS: QUICK ? 5 : 10,
          })
          sections.push(latencySection(latency))
          for (const r of latency.rates)
            summary.push(
              `latency ${fmt(r.rate)}/s: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms; seconds 1–${latency.settleS} after ${fmt(r.devices)} devices connected: p50 ${fmt(r.afterConnect.p50)} ms, p99 ${fmt(r.afterConnect.p99)} ms`,
            )
          summary.push(
            `crossing → alert: median ${fmt(latency.crossingP50)} ms, max ${fmt(latency.crossingMax)} ms` +
              (latency.crossingsMissed ? `, ${latency.crossingsMissed} without an alert within 10 s` : ''),
          )
        } finally {
          await server.stop()
          await server.dispose()
          rmSync(dir, { recursive: true, force: true })
        }
      }
      if (wanted('scale')) {
        out('\n[scale] idle connections, reconnect after a restart')
        const dir = copyDataDir(template)
        try {
          const scale = await benchScale(out, {
            dataDir: dir,
            devices: pads,
            steps: QUICK ? [10_000] : [10_000, 15_000],
            reconnectDevices: 10_000,
          })
          sections.push(scaleSection(scale))
          for (const p of scale.points)
            summary.push(`${fmt(p.connections)} idle connections: ${p.perConnectionKb.toFixed(1)} KB each`)
          if (scale.restart) summary.push(`10k reconnect after restart: ${scale.restart.totalS.toFixed(1)} s`)
          summary.push(`50k connections: not possible here (open-file limit ${scale.fileLimit} per process)`)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }
    } finally {
      rmSync(template, { recursive: true, force: true })
    }
  }

  if (wanted('overload')) {
    out('\n[overload] 2 × the sustainable rate for a minute (QoS 0 flood + 100 QoS 1 devices beside it)')
    const result = await benchOverload(out, { seconds: QUICK ? 20 : 60 })
    sections.push(
      [
        '## Overload: 2 × the sustainable rate',
        '',
        'R = stored readings/s with 1000 QoS 1 devices flat out; then 1000 devices offer 2 × R at QoS 0 while 100 QoS 1 devices publish 1,000/s beside them (target: stored rate ≥ 90 % of R, memory bounded, no PUBACKed reading lost).',
        '',
        '| R | offered | stored while overloaded | % of R | stored/s in 10 s windows | server RSS every 5 s | QoS 1 acked / stored |',
        '|---|---|---|---|---|---|---|',
        `| ${fmt(result.sustainable)}/s | ${fmt(result.offered)}/s | ${fmt(result.storedWhileOverloaded)}/s | ${(result.ratio * 100).toFixed(0)} % | ${result.windows.map((r) => fmt(r)).join(' ')} | ${result.rssMb.join(' ')} MB | ${fmt(result.qos1Acked)} / ${fmt(result.qos1Stored)} |`,
        '',
        'At 2 × R each device has about one message due per 5 ms tick of the generator, so each message is a TCP segment of its own. Two shorter runs (half as long) show what that shape costs: the same offer in writes of ~4 messages, and mosquitto offered 2 × its own flat-out QoS 0 rate M in the first shape.',
        '',
        '| run | offered | stored (mimamori) or delivered (mosquitto) while overloaded | % of its own sustainable rate |',
        '|---|---|---|---|',
        `| mimamori, one message per write (above) | ${fmt(result.offered)}/s | ${fmt(result.storedWhileOverloaded)}/s | ${(result.ratio * 100).toFixed(0)} % of R |`,
        `| mimamori, ~4 messages per write (20 ms ticks) | ${fmt(result.offered)}/s | ${fmt(result.coalesced.stored)}/s | ${(result.coalesced.ratio * 100).toFixed(0)} % of R |`,
        'skipped' in result.peer
          ? `| mosquitto | – | ${result.peer.skipped} | – |`
          : `| mosquitto, one message per write (M = ${fmt(result.peer.flatOutPerS)}/s) | ${fmt(result.peer.offeredPerS)}/s | ${fmt(result.peer.deliveredPerS)}/s | ${(result.peer.ratio * 100).toFixed(0)} % of M |`,
      ].join('\n'),
    )
    summary.push(
      `overload 2 × R: stored ${(result.ratio * 100).toFixed(0)} % of R (${(result.coalesced.ratio * 100).toFixed(0)} % in writes of ~4 messages; mosquitto ${'skipped' in result.peer ? '–' : `${(result.peer.ratio * 100).toFixed(0)} % of its own rate`}), RSS max ${fmt(Math.max(...result.rssMb))} MB, QoS 1 acked ${fmt(result.qos1Acked)} / stored ${fmt(result.qos1Stored)}`,
    )
  }

  if (wanted('export')) {
    const rows = QUICK ? 2_000_000 : 10_000_000
    out(`\n[export] ${fmt(rows)} rows through GET /api/v1/export (CSV)`)
    const result = await benchExport(out, rows)
    sections.push(exportSection(result))
    summary.push(`export: ${fmt(result.rowsPerS)} rows/s, peak RSS ${fmt(result.peakRssMb)} MB`)
  }

  if (wanted('query')) {
    out('\n[query] one year of 1-minute data for one device')
    const year = await benchQueryYear(out)
    sections.push(querySection(year))
    summary.push(`1-year chart query: ${year.yearBucketsMs.rollups.toFixed(1)} ms`)
  }

  const minutes = (Date.now() - started) / 60_000
  out(`\nsummary (${minutes.toFixed(1)} min):`)
  for (const line of summary) out(`  ${line}`)
  const md = [
    '# Benchmark results',
    '',
    'Regenerated by `npm run bench` (how to run each part and what it measures: [docs/benchmarks.md](../docs/benchmarks.md)). ' +
      'Absolute figures drift on shared 2-core machines; compare ratios measured in the same run.',
    '',
    ...Object.entries(facts).map(([k, v]) => `- ${k}: ${v}`),
    `- bench run time: ${minutes.toFixed(1)} min`,
    '',
    '## Summary',
    '',
    ...summary.map((line) => `- ${line}`),
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n')
  if (only) out('\nBENCH_ONLY set: bench/RESULTS.md left as it was')
  else {
    const file = new URL('./RESULTS.md', import.meta.url).pathname
    writeFileSync(file, md)
    // the repo's formatter lays out markdown tables too; keep `npm run lint` clean
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', file], {
        stdio: 'ignore',
      })
    } catch {
      out('(biome could not format bench/RESULTS.md: run npm run format)')
    }
    out('\nwrote bench/RESULTS.md')
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
