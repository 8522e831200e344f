/**
 * Latency to the dashboard: device publish → its frame in a socket.io `readings` array at 1k and 10k readings/s,
 * and a rail crossing → socket.io `alert` event. Every device reports once a second, so each
 * frame goes out at once (a chart idle longer than LIVE_FRAME_INTERVAL_MS is not coalesced) and
 * the figure is the pipeline's own latency: 1,000 devices for 1k/s, 10,000 for 10k/s.
 *
 * The fleet connects once per rate and stays connected: the first `settleS` seconds of sending
 * after it connected are reported on their own (10,000 connections at once leave the server
 * ~170 MB of new objects to copy and promote in those seconds, docs/benchmarks.md), and the
 * windows after them measure the fleet as it runs. The fleet runs in a process of its own
 * (`runLoadForked`; bench/load-process.ts says why).
 */
import { type ChildProcess, fork } from 'node:child_process'
import type { LoadDevice } from '../simulators/load/load.js'
import { GENERATOR_CPU, type MimamoriServer, median, pin, sleep } from './common.js'
import { runLoadForked } from './load-process.js'

export interface LatencyStats {
  count: number
  p50: number
  p99: number
  max: number
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number)

/** Count, p50, p99 and max of publish → frame times in ms (sorts `samples` in place). */
function statsOf(samples: number[]): LatencyStats {
  const sorted = samples.sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  }
}

export interface LatencyResult {
  windowS: number
  /** Seconds of sending after the fleet connected before the recorded windows start. */
  settleS: number
  rates: Array<{
    rate: number
    devices: number
    /** Seconds 1 to `settleS` of sending after the devices connected. */
    afterConnect: LatencyStats
    /** The windows after `settleS`, back to back; p50 and p99 pool their frames. */
    rounds: LatencyStats[]
    p50: number
    p99: number
  }>
  crossings: number[]
  /** Crossings whose alert did not arrive within 10 s (not in `crossings`). */
  crossingsMissed: number
  crossingP50: number
  crossingMax: number
}

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return
      child.off('message', onMessage)
      resolve(m[key] as T)
    }
    child.on('message', onMessage)
    child.send(message)
  })
}

export async function benchLatency(
  log: (line: string) => void,
  options: {
    server: MimamoriServer
    paddies: readonly LoadDevice[]
    rails: readonly LoadDevice[]
    rounds: number
    windowS: number
    /** Seconds of sending after connecting before the first recorded window. */
    settleS: number
  },
): Promise<LatencyResult> {
  const { server } = options
  const client = fork(
    new URL('./latency-client.ts', import.meta.url).pathname,
    [server.httpUrl, server.token],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('message', () => resolve())
      client.once('exit', (code) => reject(new Error(`latency client exited ${code}`)))
    })
    pin(client.pid, GENERATOR_CPU)
    pin(process.pid, GENERATOR_CPU)
    const plan = [
      { rate: 1000, devices: 1000 },
      { rate: 10_000, devices: 10_000 },
    ].filter((p) => p.devices <= options.paddies.length)
    /**
     * Connects `devices`, sends at `rate` and records one window per entry of `windowsS`, back to
     * back, from the first progress tick (1 s into sending); then disconnects.
     */
    const session = async (p: (typeof plan)[number], windowsS: readonly number[]) => {
      const controller = new AbortController()
      let sending = false
      const load = runLoadForked({
        url: server.mqttUrl,
        devices: options.paddies.slice(0, p.devices),
        qos: 1,
        rate: p.rate,
        durationMs: 600_000,
        preEncoded: true,
        signal: controller.signal,
        onProgress: () => {
          sending = true
        },
      })
      while (!sending) await sleep(100) // connected: the first progress tick is 1 s into sending
      const windows: number[][] = []
      for (const seconds of windowsS) {
        client.send({ cmd: 'start' })
        await sleep(seconds * 1000)
        windows.push(await ask<number[]>(client, { cmd: 'stop' }, 'samples'))
      }
      controller.abort()
      const summary = await load
      return { windows, msgPerS: Math.round(summary.msgPerS).toLocaleString() }
    }
    const rates: LatencyResult['rates'] = []
    // 10k first, each rate right after its warm-up: after the 1k session, 9,000 of the 10k fleet
    // come back from a minute of silence, and short runs of that were slower (p99 79 and 89 ms
    // against 28–36 ms right after the warm-up; docs/benchmarks.md)
    for (const p of [...plan].reverse()) {
      // a warm-up, not recorded: the first reading of each of 10,000 devices the server has not
      // seen since it started builds its rule set, dedupe and latest-value entries
      const warmUp = await session(p, [options.windowS])
      const stats = statsOf(warmUp.windows[0] ?? [])
      log(
        `  warm-up, ${p.rate.toLocaleString()} readings/s: ${stats.count.toLocaleString()} frames, p99 ${stats.p99} ms (not counted)`,
      )
      // the fleet connects anew, as after a restart of the server; its first seconds are a figure
      // of their own, and the windows after it measure the fleet that stays connected
      const { windows, msgPerS } = await session(p, [
        options.settleS - 1,
        ...Array.from({ length: options.rounds }, () => options.windowS),
      ])
      const [first = [], ...steady] = windows
      const afterConnect = statsOf(first)
      log(
        `  ${p.rate.toLocaleString()} readings/s (${p.devices.toLocaleString()} devices × 1/s), seconds 1–${options.settleS} after they connected: ` +
          `${afterConnect.count.toLocaleString()} frames, p50 ${afterConnect.p50} ms, p99 ${afterConnect.p99} ms, max ${afterConnect.max} ms`,
      )
      const rounds = steady.map((samples, i) => {
        const stats = statsOf(samples) // sorts in place: the pooled figure below does not mind
        log(
          `  ${p.rate.toLocaleString()} readings/s, window ${i + 1} (connected ${options.settleS + i * options.windowS}–${options.settleS + (i + 1) * options.windowS} s): ` +
            `${stats.count.toLocaleString()} frames received of ~${(p.rate * options.windowS).toLocaleString()} readings, ` +
            `publish → socket.io p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms`,
        )
        return stats
      })
      // every frame of every window: a window in which few frames arrived must not weigh like one
      // in which thousands did (volatile frames are dropped while the client's socket is busy)
      const pooled: number[] = []
      for (const samples of steady) for (const ms of samples) pooled.push(ms) // not push(...): 100k+ frames
      const all = statsOf(pooled)
      log(`  ${p.rate.toLocaleString()} readings/s: generator held ${msgPerS} msg/s`)
      rates.unshift({ ...p, rounds, afterConnect, p50: all.p50, p99: all.p99 })
    }
    // crossings, with 1k readings/s of other traffic going on
    const controller = new AbortController()
    const background = runLoadForked({
      url: server.mqttUrl,
      devices: options.paddies.slice(0, 1000),
      qos: 1,
      rate: 1000,
      durationMs: 600_000,
      preEncoded: true,
      signal: controller.signal,
    })
    await sleep(3000)
    const crossings: number[] = []
    let missed = 0
    for (const rail of options.rails) {
      const ms = await ask<number>(
        client,
        { cmd: 'cross', mqttUrl: server.mqttUrl, deviceId: rail.deviceId, password: rail.password },
        'crossed',
      )
      // the client answers null (NaN over IPC) when no alert came within 10 s
      if (typeof ms === 'number' && Number.isFinite(ms)) crossings.push(ms)
      else missed++
      log(`    ${rail.deviceId}: ${typeof ms === 'number' ? `${ms} ms` : 'no alert within 10 s'}`)
      await sleep(200)
    }
    controller.abort()
    await background
    const sorted = [...crossings].sort((a, b) => a - b)
    log(
      `  rail crossing → alert event (${crossings.length + missed} crossings, 1k readings/s beside): ` +
        `median ${median(crossings)} ms, max ${sorted.at(-1)} ms${missed ? `, ${missed} without an alert within 10 s` : ''}`,
    )
    return {
      windowS: options.windowS,
      settleS: options.settleS,
      rates,
      crossings,
      crossingsMissed: missed,
      crossingP50: median(crossings),
      crossingMax: sorted.at(-1) ?? Number.NaN,
    }
  } finally {
    client.send({ cmd: 'exit' })
    await sleep(200)
    if (client.exitCode === null) client.kill('SIGKILL')
  }
}
