import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadSystemConfig } from '../../cli/config.js'
import { type RunningSystem, startSystem } from '../../cli/system.js'

export const TEST_ADMIN_PASSWORD = 'test-admin-password-123'

export interface TestSystem {
  system: RunningSystem
  dataDir: string
  httpUrl: string
  mqttUrl: string
  /** Admin bearer token. */
  token: string
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>
  provisionDevice(id: string, kind: 'paddy' | 'reservoir' | 'rail', site?: string): Promise<string>
  metric(name: string, labels?: Record<string, string>): Promise<number>
  stop(): Promise<void>
}

/**
 * The whole system on free ports and a temp DATA_DIR, demo off unless asked. `stop` removes the
 * DATA_DIR it made; a test restarting on that directory passes it back with `ownsDir`, so the
 * second system's `stop` removes it instead.
 */
export async function startTestSystem(
  options: { env?: Record<string, string>; dataDir?: string; ownsDir?: boolean } = {},
): Promise<TestSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mimamori-test-'))
  const config = loadSystemConfig({
    DATA_DIR: dataDir,
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MIMAMORI_DEMO: '0',
    MIMAMORI_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LIVE_FRAME_INTERVAL_MS: '100',
    ...options.env,
  })
  const system = await startSystem(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }))
  const httpUrl = `http://127.0.0.1:${system.httpPort}`

  const api = async <T>(method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${httpUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T }
  }

  const login = await api<{ token: string }>('POST', '/login', {
    username: 'admin',
    password: TEST_ADMIN_PASSWORD,
  })
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status}`)
  const token = login.body.token

  return {
    system,
    dataDir,
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${system.mqttPort}`,
    token,
    api: (method, path, body, t = token) => api(method, path, body, t),
    async provisionDevice(id, kind, site) {
      const res = await api<{ password: string }>('POST', '/devices', { id, kind, site: site ?? null }, token)
      if (res.status !== 201)
        throw new Error(`provisioning ${id} failed: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body.password
    },
    async metric(name, labels = {}) {
      const metric = system.metrics.getSingleMetric(name)
      if (!metric) return 0
      const { values } = await metric.get()
      return values
        .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
        .reduce((sum, v) => sum + v.value, 0)
    },
    async stop() {
      await system.stop()
      if (!options.dataDir || options.ownsDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls until `check` returns a truthy value or the time is up (integration tests only). */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as Truthy<T>
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
