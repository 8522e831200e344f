// The V8 flags the server runs with (cli/bin.js, the `start` script, the benchmarks). Plain
// JavaScript so the launchers can use it before any TypeScript loader; run as a script it prints
// them for `node $(node cli/node-flags.js) …`.
import { fileURLToPath } from 'node:url'

/**
 * - A larger young generation: ingest allocates short-lived objects per message. At the default
 *   16 MB semi-space the scavenger took ~22 % of the busy time under load (64 MB: ~10 % more
 *   readings/s); since the direct telemetry path, 128 MB gave another ~20 % at QoS 1 (alternated
 *   runs: 56–64k vs 47–49k acknowledged/s; 256 MB no better, ~300 MB more RSS).
 * - Starting at 64 MB instead of growing from 1 MB: a fresh server hit by a flood (the QoS 0
 *   bench, 5 s flat out) spent its first seconds with a small young generation and then drained
 *   the backlog for 13–15 s; starting at 64 MB it drained in 2–3 s (108.6k and 115.4k readings/s
 *   against 66.6k and 71.1k, alternated runs). The space is reserved, not touched: an idle
 *   server's RSS is the same.
 * - No allocation-site pretenuring: V8 allocates the objects of a site (an object or array
 *   literal) straight in the old generation once most of them survived the scavenges twice in a
 *   row. A stall or a burst (10,000 devices connecting at once) makes a message's own objects look
 *   long-lived that way, and V8 then kept allocating every message's objects in the old
 *   generation: it grew 2–14 MB/s at 10k readings/s and scavenges took 40–55 ms instead of 10–20.
 *   Runs provoked into that state gave p99 publish → dashboard of 72–956 ms; with the flag the
 *   same provocation gave 54–71 ms. Unprovoked runs: 24 and 34 ms with it, 25 and 23 without;
 *   QoS 1 ingest 63–68k against 62–66k acknowledged/s. docs/benchmarks.md has the runs.
 * - Not `--single-threaded-gc`, though the server may have one CPU: on one pinned core it cut the
 *   10k/s latency in short runs (p50 9–12 ms and p99 70–105 ms vs 19–64 / 159–792 ms), but in a
 *   full bench its stop-the-world mark-compacts of a ~1 GB heap stalled for up to 2 s (10k/s p99
 *   2.1 s, crossing → alert max 156 ms) and the overload run stored 67 % of the sustainable rate
 *   instead of ≥ 90 %.
 * @returns {string[]}
 */
export function serverNodeFlags() {
  return ['--max-semi-space-size=128', '--min-semi-space-size=64', '--no-allocation-site-pretenuring']
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(serverNodeFlags().join(' '))
