/**
 * Latency to the dashboard: device publish → its frame in a socket.io `readings` array at 1k and 10k readings/s,
 * and a rail crossing → socket.io `alert` event. Every device reports once a second, so each
 * frame goes out at once (a chart idle longer than LIVE_FRAME_INTERVAL_MS is not coalesced) and
 * the figure is the pipeline's own latency: 1,000 devices for 1k/s, 10,000 for 10k/s.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { type LoadDevice, runLoad } from '../simulators/load/load.js'
import { GENERATOR_CPU, type MimamoriServer, median, pin, sleep } from './common.js'

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
  rates: Array<{ rate: number; devices: number; rounds: LatencyStats[]; p50: number; p99: number }>
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
    const rounds = new Map<number, LatencyStats[]>(plan.map((p) => [p.rate, []]))
    // every frame of every window: a window in which few frames arrived must not weigh like one
    // in which thousands did (volatile frames are dropped while the client's socket is busy)
    const pooled = new Map<number, number[]>(plan.map((p) => [p.rate, []]))
    // round -1 is a warm-up, not recorded: the first reading of each of 10,000 devices the server
    // has not seen since it started builds its rule set, dedupe and latest-value entries
    for (let round = -1; round < options.rounds; round++) {
      for (const p of round % 2 === 0 ? plan : [...plan].reverse()) {
        const controller = new AbortController()
        const load = runLoad({
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
        let sending = false
        while (!sending) await sleep(100) // connected: the first progress tick is 1 s into sending
        await sleep(2000) // past the ramp-up
        client.send({ cmd: 'start' })
        await sleep(options.windowS * 1000)
        const samples = await ask<number[]>(client, { cmd: 'stop' }, 'samples')
        const stats = statsOf(samples)
        controller.abort()
        const summary = await load
        if (round < 0) {
          log(
            `  warm-up, ${p.rate.toLocaleString()} readings/s: ${stats.count.toLocaleString()} frames, p99 ${stats.p99} ms (not counted)`,
          )
          continue
        }
        rounds.get(p.rate)?.push(stats)
        const all = pooled.get(p.rate) ?? []
        for (const ms of samples) all.push(ms) // not push(...): a window can hold 100k+ frames
        log(
          `  ${p.rate.toLocaleString()} readings/s (${p.devices.toLocaleString()} devices × 1/s): ${stats.count.toLocaleString()} frames received of ~${(p.rate * options.windowS).toLocaleString()} readings, ` +
            `publish → socket.io p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms (generator held ${Math.round(summary.msgPerS).toLocaleString()} msg/s)`,
        )
      }
    }
    // crossings, with 1k readings/s of other traffic going on
    const controller = new AbortController()
    const background = runLoad({
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
      rates: plan.map((p) => {
        const all = statsOf(pooled.get(p.rate) ?? [])
        return {
          rate: p.rate,
          devices: p.devices,
          rounds: rounds.get(p.rate) ?? [],
          p50: all.p50,
          p99: all.p99,
        }
      }),
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
