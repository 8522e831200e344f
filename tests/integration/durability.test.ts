import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { openEmbeddedStore } from '../../ingest/store/duckdb/index.js'
import { type CliProcess, freePort, runCli } from '../helpers/processes.js'
import { eventually } from '../helpers/system.js'

const DEVICES = 4
const MESSAGES_PER_DEVICE = 300
const running: CliProcess[] = []
let dataDir: string | undefined

afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

async function startServer(env: Record<string, string>): Promise<CliProcess> {
  const run = runCli(['start'], env)
  running.push(run)
  await eventually(() => run.output.stderr.includes('mimamori is running'), 30_000, 'the server to start')
  return run
}

describe('durability', () => {
  it('stores every PUBACKed reading exactly once across a SIGKILL in the middle of a QoS1 stream', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mimamori-kill-'))
    const env = {
      DATA_DIR: dataDir,
      MQTT_HOST: '127.0.0.1',
      HTTP_HOST: '127.0.0.1',
      MQTT_PORT: String(await freePort()),
      MQTT_WS_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
    }
    const passwords = new Map<string, string>()
    for (let i = 0; i < DEVICES; i++) {
      const add = runCli(['device', 'add', `dev-${i}`, '--kind', 'paddy'], env)
      expect(await add.exited).toBe(0)
      passwords.set(`dev-${i}`, add.output.stdout.match(/MQTT password: (\S+)/)?.[1] as string)
    }

    const first = await startServer(env)
    const acked = new Set<string>()
    const clients: MqttClient[] = []
    const t0 = Date.now()
    const streams = [...passwords].map(async ([id, password]) => {
      // persistent session + automatic reconnect: unacknowledged messages are resent with DUP
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
        clientId: id,
        username: id,
        password,
        clean: false,
        reconnectPeriod: 200,
        connectTimeout: 5000,
      })
      clients.push(client)
      const inFlight: Array<Promise<unknown>> = []
      for (let seq = 0; seq < MESSAGES_PER_DEVICE; seq++) {
        const payload = JSON.stringify({ ts: t0 + seq * 1000, seq, m: { water_depth_cm: seq % 50 } })
        inFlight.push(
          client.publishAsync(telemetryTopic(id), payload, { qos: 1 }).then(() => acked.add(`${id}:${seq}`)),
        )
        if (inFlight.length >= 10) await inFlight.shift()
      }
      await Promise.all(inFlight)
    })

    await eventually(() => acked.size >= 200, 30_000, 'some acknowledged readings')
    first.child.kill('SIGKILL')
    await first.exited
    const ackedBeforeKill = acked.size
    expect(ackedBeforeKill).toBeLessThan(DEVICES * MESSAGES_PER_DEVICE)

    const second = await startServer(env)
    await Promise.all(streams)
    expect(acked.size).toBe(DEVICES * MESSAGES_PER_DEVICE)
    await Promise.all(clients.map((c) => c.endAsync()))
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)

    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    try {
      // every acknowledged reading is there, and none twice
      expect(await store.readings.count()).toBe(DEVICES * MESSAGES_PER_DEVICE)
      for (let i = 0; i < DEVICES; i++) {
        const keys = await store.readings.storedKeys(`dev-${i}`, t0, t0 + MESSAGES_PER_DEVICE * 1000)
        expect(keys.map((k) => k.seq).sort((a, b) => a - b)).toEqual([...Array(MESSAGES_PER_DEVICE).keys()])
      }
    } finally {
      await store.close()
    }
  }, 120_000)

  it('opens again after a SIGKILL of a server that created its database itself (no DDL left in the WAL)', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mimamori-kill-fresh-'))
    const env = {
      DATA_DIR: dataDir,
      MQTT_HOST: '127.0.0.1',
      HTTP_HOST: '127.0.0.1',
      MQTT_PORT: String(await freePort()),
      MQTT_WS_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
      MIMAMORI_ADMIN_PASSWORD: 'kill-fresh-password',
    }
    const server = await startServer(env)
    const api = `http://127.0.0.1:${env.HTTP_PORT}/api/v1`
    const login = (await (
      await fetch(`${api}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: env.MIMAMORI_ADMIN_PASSWORD }),
      })
    ).json()) as { token: string }
    const created = await fetch(`${api}/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ id: 'fresh-1', kind: 'paddy' }),
    })
    expect(created.status).toBe(201)
    server.child.kill('SIGKILL')
    await server.exited
    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    try {
      expect((await store.meta.listDevices()).map((d) => d.id)).toEqual(['fresh-1'])
    } finally {
      await store.close()
    }
  }, 60_000)
})
