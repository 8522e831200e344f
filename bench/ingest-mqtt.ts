/**
 * End-to-end ingest over MQTT: mimamori (`npm start` code, demo off) in a child process pinned to
 * one core, the raw-socket load generator here pinned to the other; 1000 devices publish QoS1
 * (then QoS0) flat out for a fixed time. Afterwards the server stops and the DuckDB file is
 * counted: stored must equal acknowledged (QoS1), so zero loss is checked, not assumed.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { type LoadSummary, runLoad } from '../simulators/load/load.js'
import { freePort, runCli } from '../tests/helpers/processes.js'

export interface MqttIngestResult {
  qos: 0 | 1
  load: LoadSummary
  stored: number
  serverRssMb: number
}

function pin(pid: number | undefined, cpu: string) {
  if (!pid) return
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' })
  } catch {
    // taskset missing or not allowed: the run is still valid, only noisier
  }
}

const rssOf = (pid: number | undefined) => {
  try {
    const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' })
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

export async function benchIngestMqtt(
  log: (line: string) => void,
  options: { devices?: number; seconds?: number; qos: 0 | 1 },
): Promise<MqttIngestResult> {
  const devices = options.devices ?? 1000
  const dataDir = mkdtempSync(join(tmpdir(), 'mimamori-bench-mqtt-'))
  const env = {
    DATA_DIR: dataDir,
    MQTT_HOST: '127.0.0.1',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: String(await freePort()),
    MQTT_WS_PORT: String(await freePort()),
    HTTP_PORT: String(await freePort()),
    MIMAMORI_ADMIN_PASSWORD: 'bench-admin-password',
    LOG_LEVEL: 'error',
  }
  const server = runCli(['start'], env)
  try {
    for (let i = 0; i < 600 && !server.output.stderr.includes('mimamori is running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    pin(server.child.pid, '1')
    pin(process.pid, '0')
    const api = `http://127.0.0.1:${env.HTTP_PORT}/api/v1`
    const login = (await (
      await fetch(`${api}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: env.MIMAMORI_ADMIN_PASSWORD }),
      })
    ).json()) as { token: string }
    const fleet = []
    for (let i = 0; i < devices; i++) {
      const id = `bench-${i}`
      const res = await fetch(`${api}/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
        body: JSON.stringify({ id, kind: 'paddy' }),
      })
      fleet.push({
        deviceId: id,
        password: ((await res.json()) as { password: string }).password,
        kind: 'paddy' as const,
      })
    }
    const load = await runLoad({
      url: `mqtt://127.0.0.1:${env.MQTT_PORT}`,
      devices: fleet,
      qos: options.qos,
      durationMs: (options.seconds ?? 20) * 1000,
      preEncoded: true,
      drainTimeoutMs: 20_000,
    })
    const serverRssMb = rssOf(server.child.pid)
    server.child.kill('SIGTERM')
    await server.exited
    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    // pre-encoded readings carry one metric each: rows = readings
    const stored = await store.readings.count()
    store.close()
    log(
      `  QoS${options.qos}: ${devices} devices, ${Math.round(load.msgPerS).toLocaleString()} msg/s ${options.qos ? 'acknowledged' : 'sent'}, ` +
        `p50/p99 ${load.latencyMs.p50?.toFixed(0) ?? '-'}/${load.latencyMs.p99?.toFixed(0) ?? '-'} ms, sent ${load.sent.toLocaleString()}, ` +
        `acked ${load.acked.toLocaleString()}, stored ${stored.toLocaleString()}, server RSS ${serverRssMb.toFixed(0)} MB`,
    )
    return { qos: options.qos, load, stored, serverRssMb }
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
}
