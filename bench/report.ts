/** Markdown sections of bench/RESULTS.md, one per benchmark. */
import { fmt, ratio } from './common.js'
import type { ExportResult } from './export.js'
import type { PipelineResult } from './ingest-pipeline.js'
import type { IngestComparison } from './ingest-vs-mosquitto.js'
import type { LatencyResult } from './latency.js'
import type { NodeRedResult } from './node-red-stack.js'
import type { QueryYearResult } from './query-year.js'
import type { ScaleResult } from './scale.js'

const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${fmt(n)} ms`)

export function coreSection(core: PipelineResult): string {
  return [
    '## Ingest core (no network): 1000 devices, one QoS1-style message in flight each',
    '',
    '| readings | seconds | readings/s | rows stored | RSS |',
    '|---|---|---|---|---|',
    `| ${fmt(core.readings)} | ${core.seconds.toFixed(1)} | ${fmt(core.readingsPerSecond)} | ${fmt(core.stored)} | ${fmt(core.rssMb)} MB |`,
  ].join('\n')
}

export function ingestSection(runs: IngestComparison[]): string {
  const rows: string[] = []
  for (const c of runs) {
    c.mimamori.forEach((r, i) => {
      const m = c.mosquitto[i]
      rows.push(
        `| ${c.qos} | ${i + 1} | ${fmt(r.load.msgPerS)} | ${fmt(r.storedPerS)} / ${fmt(r.throughputPerS)} | ${ms(r.load.latencyMs.p50)} / ${ms(r.load.latencyMs.p99)} | ${fmt(r.load.acked)} | ${fmt(r.stored)} | ${fmt(r.serverRssMb)} MB | ${r.cpuUsPerMsg.toFixed(1)} µs | ` +
          (m
            ? `${fmt(m.load.msgPerS)} | ${fmt(m.deliveredPerS)} / ${fmt(m.throughputPerS)} | ${ms(m.load.latencyMs.p50)} / ${ms(m.load.latencyMs.p99)} | ${fmt(m.delivered)} |`
            : '– | – | – | – |'),
      )
    })
  }
  const summary = runs.map(
    (c) =>
      `| QoS ${c.qos} | ${fmt(c.median.mimamori)} | ${fmt(c.median.mosquitto)} | **${ratio(c.median.mimamori, c.median.mosquitto)}** | ${ms(c.median.mimamoriP99Ms)} / ${ms(c.median.mosquittoP99Ms)} | ${c.qos === 1 ? (c.lossless ? 'stored = acked in every round' : '**LOSS: stored < acked**') : 'QoS 0: no acks'} |`,
  )
  return [
    `## End-to-end ingest over MQTT vs. peer (a), mosquitto passthrough`,
    '',
    `1000 devices, pre-encoded raw-socket generator on CPU 1, flat out, ${runs.map((c) => `QoS ${c.qos}: ${c.rounds} round${c.rounds > 1 ? 's' : ''} of ${c.seconds} s`).join(', ')}; the system under test on CPU 0: ` +
      'mimamori all-in-one (validated, deduplicated, durable before PUBACK, stored in DuckDB) or Debian’s mosquitto forwarding to one raw subscriber (no persistence, unlimited in-flight/queue to the subscriber). ' +
      'A/B alternated round by round, medians. Each reading carries 4 metrics (4 rows).',
    '',
    'Compared rate: QoS 1 = messages acknowledged per second (mimamori acknowledges only stored readings); QoS 0 = readings stored (mimamori) or messages delivered to the subscriber (mosquitto) per second while the generator sent flat out, counted by the server from 2 s into the round to its end. The generator fills the kernel’s socket buffers with more than either side takes in a minute, so the figure that waits for the backlog (after the slash in the table below: from the first publish until the drain ended, at most 10 s after the generator stopped; for mimamori also its clean stop, which stores what it had read) measures how long that wait is allowed to be.',
    '',
    '| QoS | mimamori (median) | mosquitto (median) | mimamori / mosquitto | p99 publish→PUBACK mimamori / mosquitto | loss check |',
    '|---|---|---|---|---|---|',
    ...summary,
    '',
    'Every run (stored/s and delivered/s: while sending / including the drain):',
    '',
    '| QoS | round | mimamori msg/s (acked; QoS 0 sent) | stored/s | p50 / p99 to PUBACK | acked | stored (DuckDB) | server RSS | server CPU per message (QoS 0: per reading stored) | mosquitto msg/s (acked; QoS 0 sent) | delivered/s | p50 / p99 to PUBACK | delivered |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n')
}

export function nodeRedSection(
  r: NodeRedResult,
  mimamoriQos1: number | undefined,
  mimamoriLossless: boolean,
): string {
  if (r.skipped) return `## Peer (b): Node-RED stack\n\nSkipped: ${r.skipped}.`
  const line = (s: NodeRedResult['steps'][number]) =>
    `| ${s.offered ? fmt(s.offered) : 'flat out'} | ${fmt(s.ackedPerS)} | ${fmt(s.acked)} | ${fmt(s.stored)} (${((100 * s.stored) / Math.max(1, s.acked)).toFixed(1)} %) | ${fmt(s.storedPerS)} | ${s.drainS.toFixed(1)} s${s.settled ? '' : ' (still writing)'} | ${fmt(s.nodeRedRssMb)} MB |`
  const o = r.overload
  return [
    '## Peer (b): the Node-RED stack',
    '',
    'mosquitto (Debian defaults: 20 in flight, 1000 queued per client) → Node-RED 4.1 flow `mqtt in` (QoS 1) → `json` → `function` (fields + device tag + ts) → `influxdb out` (node-red-contrib-influxdb 0.7, InfluxDB 2 API) → Debian’s VictoriaMetrics. ' +
      'All three on CPU 0, the same 1000-device pre-encoded generator on CPU 1 publishing QoS 1. Stored = samples VictoriaMetrics holds afterwards (`/api/v1/export`).',
    '',
    '| offered msg/s | acked by mosquitto /s | acked | stored in VictoriaMetrics | stored/s | drain after the load | Node-RED RSS |',
    '|---|---|---|---|---|---|---|',
    ...r.steps.map(line),
    ...(o ? [line(o)] : []),
    '',
    `- Node-RED sustained (stored ≥ 99 % and caught up within 5 s): **${fmt(r.sustainedPerS)} readings/s**`,
    `- Under overload it stored ${o ? `${fmt(o.stored)} of ${fmt(o.acked)} acknowledged readings: **${(100 - (100 * o.stored) / Math.max(1, o.acked)).toFixed(1)} % lost**` : '–'}; mimamori lost ${mimamoriLossless ? 'none' : 'some (see above)'} of what it acknowledged.`,
    `- mimamori QoS 1 (median above, into DuckDB) / Node-RED sustained: **${ratio(mimamoriQos1, r.sustainedPerS)}**`,
  ].join('\n')
}

export function latencySection(r: LatencyResult): string {
  return [
    '## Latency to the dashboard',
    '',
    'Device publish (the generator stamps `ts` when it writes the packet) → its frame in a socket.io `readings` array received by a dashboard client logged in as admin (its own process, CPU 1). ' +
      'Each device reports once a second, so no frame waits for coalescing (`LIVE_FRAME_INTERVAL_MS` 250): 1,000 devices for 1k readings/s, 10,000 for 10k. ' +
      `Per rate the devices connect once and keep sending. The first ${r.settleS} s of sending after they connected are a figure of their own (the column "after connecting"): 10,000 connections at once leave the server ~170 MB of new objects that its next scavenges copy and promote (docs/benchmarks.md). ` +
      `Then ${r.rates[0]?.rounds.length ?? 0} windows of ${r.windowS} s follow back to back; p50 and p99 are over the frames of all of them together (a window in which few frames arrived does not count like one in which thousands did), each window in the last column. ` +
      'Each rate runs right after a warm-up session of its own fleet (one window, not counted: the first reading of each device since the server started builds its rule set, dedupe and latest-value entries), 10k first.',
    '',
    `| readings/s | devices | frames received (of readings published in the windows) | p50 | p99 | target | after connecting (s 1–${r.settleS}): p50 / p99 / max | each window: frames, p50 / p99 |`,
    '|---|---|---|---|---|---|---|---|',
    ...r.rates.map(
      (x) =>
        `| ${fmt(x.rate)} | ${fmt(x.devices)} | ${fmt(x.rounds.reduce((n, s) => n + s.count, 0))} (of ~${fmt(x.rate * r.windowS * x.rounds.length)}) | ${ms(x.p50)} | ${ms(x.p99)} | ${x.rate === 10_000 ? 'p99 ≤ 50 ms' : ''} | ${ms(x.afterConnect.p50)} / ${ms(x.afterConnect.p99)} / ${ms(x.afterConnect.max)} | ${x.rounds.map((s) => `${fmt(s.count)}: ${ms(s.p50)} / ${ms(s.p99)}`).join('; ')} |`,
    ),
    '',
    'The frames of one turn of the server’s event loop go out as one `readings` array, with `socket.volatile.emit` (DESIGN.md, "Live data to browsers"): an array that finds the client’s websocket still busy with the previous one is dropped, not queued; the latency is that of the frames that arrived.',
    '',
    `Rail crossing → alert: a reading at 65 °C (over the 60 °C action line) published with mqtt.js at QoS 1, timed to the socket.io \`alert\` event (\`raised\`, \`rail-action\`), ${r.crossings.length} crossings on fresh rail devices with 1k readings/s of other traffic: ` +
      `**median ${ms(r.crossingP50)}, max ${ms(r.crossingMax)}** (target ≤ 100 ms). All: ${r.crossings.map((c) => fmt(c)).join(', ')} ms.${r.crossingsMissed ? ` **${r.crossingsMissed} crossing(s) without an alert within 10 s.**` : ''}`,
  ].join('\n')
}

export function scaleSection(r: ScaleResult): string {
  return [
    '## Scale: idle connections and reconnecting after a restart',
    '',
    `All-in-one server (CPU 0), idle device connections (keepalive 900 s, no traffic) from client processes of ≤ 5,000 connections each on CPU 1, spread over 127.0.0.1, .2, .3. Memory per connection = (RSS − RSS with none) / connections, no forced GC. Server RSS with no device connected: ${fmt(r.baseRssMb)} MB.`,
    '',
    '| connections | server RSS | per connection | target |',
    '|---|---|---|---|',
    ...r.points.map(
      (p) =>
        `| ${fmt(p.connections)} | ${fmt(p.rssMb)} MB | ${p.perConnectionKb.toFixed(1)} KB | ${p.connections >= 15_000 ? '≤ 40 KB' : ''} |`,
    ),
    '',
    `50,000 connections cannot be measured here: the open-file limit is ${r.fileLimit} per process (hard limit, not raisable in this container), so one server process tops out below 20k connections.`,
    '',
    r.restart
      ? `Restart (SIGTERM, start again on the same data directory and ports) with ${fmt(r.restart.reconnected)} devices that retry every second: stop ${r.restart.stopS.toFixed(1)} s, start until ready ${r.restart.startS.toFixed(1)} s, all reconnected ${r.restart.reconnectS.toFixed(1)} s after ready — **${r.restart.totalS.toFixed(1)} s from restart to all reconnected** (target ≤ 30 s).`
      : 'Restart: not measured.',
  ].join('\n')
}

export function exportSection(r: ExportResult): string {
  return [
    '## Open-data export (CSV streaming)',
    '',
    `${fmt(r.rows)} rows (200 reservoir stations × 2 metrics, 1-minute data) written straight into the DuckDB file before start (${r.loadSeconds.toFixed(1)} s), then \`GET /api/v1/export?format=csv\` over the whole range, read to the end by one client.`,
    '',
    '| rows | CSV | seconds | rows/s | server RSS before | server peak RSS |',
    '|---|---|---|---|---|---|',
    `| ${fmt(r.rows)} | ${fmt(r.megabytes)} MB | ${r.seconds.toFixed(1)} | ${fmt(r.rowsPerS)} | ${fmt(r.baseRssMb)} MB | ${fmt(r.peakRssMb)} MB |`,
  ].join('\n')
}

export function querySection(year: QueryYearResult): string {
  return [
    '## Queries: one year of 1-minute data for one device (525,600 points)',
    '',
    '| query | median of 7 |',
    '|---|---|',
    `| 1-year chart, 1,460 buckets of 6 h, from 10-minute rollups | ${year.yearBucketsMs.rollups.toFixed(1)} ms (target ≤ 50 ms) |`,
    `| same, from raw rows (before the first rollup run) | ${year.yearBucketsMs.raw.toFixed(1)} ms |`,
    `| 24 h of raw points (1,440) | ${year.dayRawMs.toFixed(1)} ms |`,
    `| loading 525,600 rows through the store's appender | ${year.loadSeconds.toFixed(1)} s (${fmt(year.points / year.loadSeconds)} rows/s) |`,
    `| rolling up the year | ${year.rollupSeconds.toFixed(2)} s |`,
  ].join('\n')
}
