// The V8 flags the server runs with (cli/bin.js, the `start` script, the benchmarks). Plain
// JavaScript so the launchers can use it before any TypeScript loader; run as a script it prints
// the flags for the current process, for `node $(node cli/node-flags.js) …`.
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

/**
 * - A larger young generation: ingest allocates short-lived objects per message. At the default
 *   16 MB semi-space the scavenger took ~22 % of the busy time under load (64 MB: ~10 % more
 *   readings/s); since the direct telemetry path, 128 MB gave another ~20 % at QoS 1 (alternated
 *   runs: 56–64k vs 47–49k acknowledged/s; 256 MB no better, ~300 MB more RSS). It only grows
 *   under allocation pressure, so an idle server keeps its size.
 * - With one CPU (a small host, or a process pinned to one core), V8's GC helper threads only
 *   take turns with the main thread on that core: its pauses got longer, not shorter. Measured
 *   with 10,000 devices × 1/s on one pinned core (alternated quick latency runs): publish → live
 *   frame p50 9–12 ms and p99 70–105 ms with `--single-threaded-gc`, p50 19–64 ms and p99
 *   159–792 ms without, at the same QoS 1 throughput.
 * @param {{ cpus?: number }} [options] CPUs the server may use (default: this process's)
 * @returns {string[]}
 */
export function serverNodeFlags({ cpus = availableParallelism() } = {}) {
  return ['--max-semi-space-size=128', ...(cpus <= 1 ? ['--single-threaded-gc'] : [])]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(serverNodeFlags().join(' '))
