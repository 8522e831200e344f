/**
 * Shared pieces of the benchmarks: pinning to a core, RSS of a process, medians, and a mimamori
 * all-in-one server in a child process (the `npm start` code, demo off) with an admin session.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDeviceSecret, hashDeviceSecret } from '../broker/device-secrets.js'
import { serverNodeFlags } from '../cli/node-flags.js'
import { loadSecretKey } from '../cli/secret-key.js'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import type { LoadDevice } from '../simulators/load/load.js'
import { type CliProcess, freePort, runCli } from '../tests/helpers/processes.js'

/** `BENCH_QUICK=1`: fewer and shorter runs (about 5 minutes in all instead of about 20). */
export const QUICK = process.env.BENCH_QUICK === '1'

/** The system under test runs on this core, the load generator on the other. */
export const SUT_CPU = '0'
export const GENERATOR_CPU = '1'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** `12,345` (rounded); `–` for a missing or non-finite value. */
export const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** `0.83×`, or `–` when either side is missing. */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? '–'
    : `${(a / b).toFixed(2)}×`

let tasksetFound: boolean | undefined
/** Whether `taskset` (util-linux) is there to pin processes with. */
export function hasTaskset(): boolean {
  if (tasksetFound === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
      tasksetFound = true
    } catch {
      tasksetFound = false
    }
  }
  return tasksetFound
}

/** Pins a process and all its threads to `cpu` (e.g. '0'); without taskset the run is only noisier. */
export function pin(pid: number | undefined, cpu: string): boolean {
  if (!pid) return false
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Resident set size of a process in MB (0 when it is gone). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc. Divided by the
 * messages handled it gives CPU per message, which time stolen by other guests of a shared host
 * does not inflate the way it cuts messages per second.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0
  try {
    // the fields after the command name, which may hold spaces: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak in MB. */
export function peakRss(pid: number | undefined, everyMs = 100): { stop(): number } {
  let peak = rssMb(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid))
  }, everyMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, rssMb(pid))
    },
  }
}

export interface MimamoriServer {
  env: Record<string, string>
  dataDir: string
  process: CliProcess
  pid: number | undefined
  api: string
  httpUrl: string
  mqttUrl: string
  token: string
  /** Registers devices through the REST API (`concurrency` requests at once); returns their credentials. */
  provision(ids: readonly string[], kind: LoadDevice['kind'], concurrency?: number): Promise<LoadDevice[]>
  /** A counter or gauge from /metrics, summed over the label sets that contain `labels`. */
  metric(name: string, labels?: string): Promise<number>
  /** SIGTERM (clean: batches flushed, store closed) and wait for the exit. */
  stop(): Promise<void>
  /** SIGKILL if still running and remove the data directory (unless it was passed in). */
  dispose(): Promise<void>
}

export const ADMIN_PASSWORD = 'bench-admin-password'

/**
 * Starts `mimamori start` in a child process on free ports, waits until it runs, pins it to
 * `cpu` and logs in as admin. `dataDir`: reuse a directory (e.g. a copy of a provisioned one).
 */
export async function startMimamori(
  options: {
    dataDir?: string
    env?: Record<string, string>
    cpu?: string
    ports?: Record<string, string>
    /** Extra node flags (e.g. `--cpu-prof`); the ones `npm start` uses are always there. */
    nodeArgs?: string[]
  } = {},
): Promise<MimamoriServer> {
  const ownDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mimamori-bench-'))
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    MQTT_HOST: '127.0.0.1',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: String(await freePort()),
    MQTT_WS_PORT: String(await freePort()),
    HTTP_PORT: String(await freePort()),
    MIMAMORI_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'error',
    ...options.ports,
    ...options.env,
  }
  // the flags `npm start` and bin.js run the server with
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles every server a run starts
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const cpu = options.cpu ?? SUT_CPU
  const proc = runCli(['start'], env, [...serverNodeFlags(), ...extra, ...(options.nodeArgs ?? [])], {
    ...(hasTaskset() ? { cpu } : {}),
  })
  const deadline = Date.now() + 120_000
  while (!proc.output.stderr.includes('mimamori is running')) {
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      proc.child.kill('SIGKILL')
      throw new Error(`mimamori did not start: ${proc.output.stderr.slice(-2000)}`)
    }
    await sleep(100)
  }
  pin(proc.child.pid, cpu)
  const httpUrl = `http://127.0.0.1:${env.HTTP_PORT}`
  const api = `${httpUrl}/api/v1`
  const login = await fetch(`${api}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  if (!login.ok) throw new Error(`admin login failed: ${login.status}`)
  const { token } = (await login.json()) as { token: string }
  const server: MimamoriServer = {
    env,
    dataDir,
    process: proc,
    pid: proc.child.pid,
    api,
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${env.MQTT_PORT}`,
    token,
    async provision(ids, kind, concurrency = 8) {
      const out: LoadDevice[] = new Array(ids.length)
      let next = 0
      const worker = async () => {
        while (next < ids.length) {
          const i = next++
          const id = ids[i] as string
          const res = await fetch(`${api}/devices`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ id, kind }),
          })
          if (!res.ok) throw new Error(`provisioning ${id} failed: ${res.status} ${await res.text()}`)
          out[i] = { deviceId: id, password: ((await res.json()) as { password: string }).password, kind }
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      return out
    },
    async metric(name, labels = '') {
      const text = await (await fetch(`${httpUrl}/metrics`)).text()
      let sum = 0
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue
        const rest = line.slice(name.length)
        if (rest[0] !== ' ' && rest[0] !== '{') continue
        if (labels && !rest.includes(labels)) continue
        sum += Number(rest.slice(rest.lastIndexOf(' ') + 1))
      }
      return sum
    },
    async stop() {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return
      proc.child.kill('SIGTERM')
      await proc.exited
    },
    async dispose() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGKILL')
        await proc.exited
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return server
}

/** A copy of a (stopped) server's data directory, so each run starts from the same provisioned state. */
export function copyDataDir(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-copy-'))
  cpSync(from, dir, { recursive: true })
  return dir
}

/**
 * Registers devices straight into a (stopped) data directory's DuckDB file with the directory's
 * secret key, as `POST /devices` would: 15,000 devices in seconds instead of minutes over REST.
 */
export async function provisionOffline(
  dataDir: string,
  groups: ReadonlyArray<{ ids: readonly string[]; kind: LoadDevice['kind'] }>,
): Promise<LoadDevice[]> {
  const key = loadSecretKey(dataDir)
  const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
  const out: LoadDevice[] = []
  try {
    for (const { ids, kind } of groups) {
      for (const id of ids) {
        const password = generateDeviceSecret()
        await store.meta.addDevice({
          id,
          kind,
          site: null,
          secretHash: hashDeviceSecret(key, password),
          createdAt: Date.now(),
          revokedAt: null,
        })
        out.push({ deviceId: id, password, kind })
      }
    }
  } finally {
    await store.close()
  }
  return out
}

export const deviceIds = (prefix: string, count: number, from = 0): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${from + i}`)

/**
 * A counter sampled on every load-progress tick; `rate()` is its growth per second between the
 * first sample 2 s into the run (ramp-up excluded) and the last one while the load still ran.
 */
export function windowSampler(read: () => Promise<number>, skipS = 2) {
  type Sample = { at: number; value: number }
  const samples: Array<Promise<Sample | undefined>> = []
  /** The samples whose read was answered, in order. */
  const answered = async () => (await Promise.all(samples)).filter((s) => s !== undefined)
  const perSecond = (from: Sample, to: Sample) => ((to.value - from.value) * 1000) / (to.at - from.at)
  return {
    sample: (p: { elapsedS: number }) => {
      if (p.elapsedS < skipS) return
      const asked = performance.now()
      samples.push(
        read().then(
          (value) => ({ at: (asked + performance.now()) / 2, value }),
          () => undefined,
        ),
      )
    },
    async rate(): Promise<number> {
      const got = await answered()
      const first = got[0]
      const last = got.at(-1)
      if (!first || !last || last.at <= first.at) return Number.NaN
      return perSecond(first, last)
    },
    /** The growth per second in consecutive windows of about `seconds` (whether a rate held). */
    async windows(seconds: number): Promise<number[]> {
      const got = await answered()
      const rates: number[] = []
      let from = got[0]
      for (const s of got) {
        if (!from || s.at - from.at < seconds * 1000 - 100) continue
        rates.push(perSecond(from, s))
        from = s
      }
      return rates
    },
  }
}

/**
 * Polls a counter until it stops growing (no change for `quietMs`) or `maxMs` passed; returns
 * its last value and how long after the call it last grew (what was still in flight when the
 * generator stopped).
 */
export async function untilStable(
  read: () => Promise<number>,
  options: { quietMs?: number; maxMs?: number; everyMs?: number } = {},
): Promise<{ value: number; drainS: number; settled: boolean }> {
  const started = performance.now()
  const { quietMs = 1500, maxMs = 60_000, everyMs = 250 } = options
  let value = await read()
  let grewAt = started
  for (;;) {
    const now = performance.now()
    if (now - grewAt >= quietMs) return { value, drainS: (grewAt - started) / 1000, settled: true }
    if (now - started >= maxMs) return { value, drainS: (now - started) / 1000, settled: false }
    await sleep(everyMs)
    const next = await read().catch(() => value)
    if (next !== value) {
      value = next
      grewAt = performance.now()
    }
  }
}
