/**
 * The all-in-one `mimamori start` as a child process on fixed loopback ports and a temp
 * DATA_DIR, so a case can SIGKILL it and start it again on the same data.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CliProcess, freePort, runCli } from '../../helpers/processes.js'
import { eventually } from '../../helpers/system.js'

export const CHAOS_ADMIN_PASSWORD = 'chaos-admin-password-123'

export interface ChaosServer {
  env: Record<string, string>
  dataDir: string
  mqttPort: number
  mqttUrl: string
  httpUrl: string
  current(): CliProcess | undefined
  /** Starts `mimamori start` and waits for it to say it is running. */
  start(): Promise<CliProcess>
  /** SIGKILL (default) or SIGTERM, and waits for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** Admin bearer token (logs in once per server start). */
  token(): Promise<string>
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
  /** Provisions devices over REST; returns id → MQTT password. */
  provision(ids: string[], kind: 'paddy' | 'reservoir' | 'rail'): Promise<Map<string, string>>
  /** Current values of `mimamori_process_*` and other gauges from /metrics (name → summed value). */
  metrics(): Promise<Map<string, number>>
  cleanup(): Promise<void>
}

export async function createChaosServer(extraEnv: Record<string, string> = {}): Promise<ChaosServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mimamori-chaos-'))
  const mqttPort = await freePort()
  const httpPort = await freePort()
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    MQTT_HOST: '127.0.0.1',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    MQTT_WS_PORT: String(await freePort()),
    HTTP_PORT: String(httpPort),
    MIMAMORI_ADMIN_PASSWORD: CHAOS_ADMIN_PASSWORD,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    ...extraEnv,
  }
  const httpUrl = `http://127.0.0.1:${httpPort}`
  let proc: CliProcess | undefined
  let cachedToken: string | undefined

  const request = async <T>(method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${httpUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T }
  }

  const server: ChaosServer = {
    env,
    dataDir,
    mqttPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    current: () => proc,
    async start() {
      const run = runCli(['start'], env)
      proc = run
      cachedToken = undefined
      await eventually(
        () => {
          if (run.child.exitCode !== null)
            throw new Error(`mimamori start exited ${run.child.exitCode}: ${run.output.stderr.slice(-2000)}`)
          return run.output.stderr.includes('mimamori is running')
        },
        90_000,
        'mimamori start',
      )
      return run
    },
    async stop(signal = 'SIGKILL') {
      const run = proc
      if (!run || run.child.exitCode !== null || run.child.signalCode !== null)
        return run?.child.exitCode ?? null
      run.child.kill(signal)
      return run.exited
    },
    async token() {
      if (cachedToken) return cachedToken
      const login = await request<{ token: string }>('POST', '/login', {
        username: 'admin',
        password: CHAOS_ADMIN_PASSWORD,
      })
      if (login.status !== 200) throw new Error(`admin login failed: ${login.status}`)
      cachedToken = login.body.token
      return cachedToken
    },
    async api(method, path, body) {
      return request(method, path, body, await server.token())
    },
    async provision(ids, kind) {
      const out = new Map<string, string>()
      for (const id of ids) {
        const res = await server.api<{ password: string }>('POST', '/devices', { id, kind })
        if (res.status !== 201)
          throw new Error(`provisioning ${id}: ${res.status} ${JSON.stringify(res.body)}`)
        out.set(id, res.body.password)
      }
      return out
    },
    async metrics() {
      const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })).text()
      const values = new Map<string, number>()
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line)
        if (!m) continue
        const [, name, value] = m as unknown as [string, string, string]
        values.set(name, (values.get(name) ?? 0) + Number(value))
      }
      return values
    },
    async cleanup() {
      await server.stop('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return server
}
