/**
 * Scale-out (issue 5, item 7): two `mimamori broker` processes sharing Debian's redis-server
 * (sessions, retained messages, the bus) and a throwaway PostgreSQL cluster (registry, ACL, dead
 * letters), with readings in Debian's victoria-metrics. Devices are provisioned with the CLI
 * against PostgreSQL, as an operator would.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashServicePassword } from '../../broker/service-passwords.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { openPostgresMetaStore } from '../../ingest/store/postgres/index.js'
import { POSTGRES_INITDB, type PostgresServer, startPostgres } from '../helpers/postgres.js'
import { type CliProcess, runCli } from '../helpers/processes.js'
import { REDIS_SERVER, type RedisServer, startRedis } from '../helpers/redis.js'
import { missingProgram } from '../helpers/requirements.js'
import { eventually } from '../helpers/system.js'
import { startVictoriaMetrics, VICTORIA_METRICS, type VictoriaMetrics } from '../helpers/victoria-metrics.js'

const skip =
  missingProgram(REDIS_SERVER, 'redis-server') ??
  missingProgram(POSTGRES_INITDB, 'postgresql') ??
  missingProgram(VICTORIA_METRICS, 'victoria-metrics')

interface Broker {
  name: string
  cli: CliProcess
  mqttUrl: string
  httpUrl: string
}

const WATCHER = { username: 'watcher', password: 'watcher-password-1234' }
const SECRET_KEY = randomBytes(32).toString('base64')

let dir: string
let redis: RedisServer
let postgres: PostgresServer
let vm: VictoriaMetrics
let env: Record<string, string>
let brokerA: Broker
let brokerB: Broker
const passwords = new Map<string, string>()
const clients: MqttClient[] = []

/** Runs a short CLI command (device …, mqtt-acl …) against PostgreSQL and returns its stdout. */
async function cli(args: string[]): Promise<string> {
  const run = runCli(args, env)
  const code = await run.exited
  if (code !== 0) throw new Error(`mimamori ${args.join(' ')} exited ${code}: ${run.output.stderr}`)
  return run.output.stdout
}

async function addDevice(id: string) {
  const out = await cli(['device', 'add', id, '--kind', 'paddy', '--site', 'scale-out'])
  const password = /MQTT password: (\S+)/.exec(out)?.[1]
  if (!password) throw new Error(`no password in: ${out}`)
  passwords.set(id, password)
}

async function startBroker(name: string): Promise<Broker> {
  const dataDir = join(dir, name)
  const child = runCli(['broker'], {
    ...env,
    DATA_DIR: dataDir,
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MQTT_AUTH_FAIL_DELAY_MS: '0',
  })
  const ports = await eventually(
    () => {
      if (child.child.exitCode !== null) throw new Error(`broker ${name} exited: ${child.output.stderr}`)
      const mqttPort = /MQTT\s+mqtt:\/\/localhost:(\d+)/.exec(child.output.stderr)?.[1]
      const httpPort = /health\s+http:\/\/localhost:(\d+)/.exec(child.output.stderr)?.[1]
      return mqttPort && httpPort ? { mqttPort, httpPort } : undefined
    },
    45_000,
    `broker ${name} to start`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${child.output.stderr}`)
  })
  return {
    name,
    cli: child,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqttPort}`,
    httpUrl: `http://127.0.0.1:${ports.httpPort}`,
  }
}

async function stopBroker(broker: Broker | undefined) {
  if (!broker || broker.cli.child.exitCode !== null) return
  broker.cli.child.kill('SIGTERM')
  await broker.cli.exited
}

async function connect(url: string, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options })
  clients.push(client)
  return client
}

const connectDevice = (broker: Broker, id: string) =>
  connect(broker.mqttUrl, { clientId: id, username: id, password: passwords.get(id) as string })

/** The CONNACK return code a device gets (0 = accepted). */
const connackCode = (broker: Broker, id: string) =>
  mqtt
    .connectAsync(broker.mqttUrl, {
      clientId: id,
      username: id,
      password: passwords.get(id) as string,
      reconnectPeriod: 0,
    })
    .then(
      async (client) => {
        await client.endAsync()
        return 0
      },
      (err: Error & { code?: number }) => err.code,
    )

/** Resolves when the broker closed the client's connection; fails after `timeoutMs`. */
const closed = (client: MqttClient, timeoutMs = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the connection was not closed')), timeoutMs)
    client.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })

const reading = (seq: number, ts: number, depth: number) =>
  JSON.stringify({ ts, seq, m: { water_depth_cm: depth } })

/** Every stored sample of a device's water depth in VictoriaMetrics (timestamps, all series). */
async function storedDepths(deviceId: string): Promise<number[]> {
  await vm.forceFlush()
  const url = new URL('/api/v1/export', vm.url)
  url.searchParams.set('match[]', `mimamori_water_depth_cm{device="${deviceId}"}`)
  const text = await (await fetch(url)).text()
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { timestamps: number[] }).timestamps)
    .sort((a, b) => a - b)
}

describe.skipIf(skip)('scale-out: two brokers over Redis and PostgreSQL', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-scale-'))
    ;[redis, postgres, vm] = await Promise.all([
      startRedis(),
      startPostgres(),
      startVictoriaMetrics(join(dir, 'vm')),
    ])
    env = {
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      STORE: 'influx',
      INFLUX_URL: vm.url,
      MIMAMORI_SECRET_KEY: SECRET_KEY,
      // the CLI commands have no DATA_DIR of their own to care about
      DATA_DIR: join(dir, 'cli'),
    }
    const aclFile = join(dir, 'acl.json')
    writeFileSync(
      aclFile,
      JSON.stringify({
        users: [
          {
            username: WATCHER.username,
            password: await hashServicePassword(WATCHER.password),
            role: 'ingest',
          },
        ],
      }),
    )
    await cli(['mqtt-acl', 'import', aclFile])
    for (const id of ['paddy-a', 'paddy-b', 'paddy-r', 'paddy-q']) await addDevice(id)
    ;[brokerA, brokerB] = await Promise.all([startBroker('a'), startBroker('b')])
  }, 180_000)

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})))
    await Promise.all([stopBroker(brokerA), stopBroker(brokerB)])
    await Promise.all([redis?.stop(), postgres?.stop(), vm?.stop()])
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('delivers a message published on broker A to a subscriber on broker B', async () => {
    const watcher = await connect(brokerB.mqttUrl, {
      clientId: 'watcher-live',
      username: WATCHER.username,
      password: WATCHER.password,
    })
    const got: string[] = []
    watcher.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`))
    await watcher.subscribeAsync('v1/devices/+/telemetry', { qos: 1 })
    const device = await connectDevice(brokerA, 'paddy-a')
    const payload = reading(1, Date.now() - 60_000, 7.5)
    await device.publishAsync(telemetryTopic('paddy-a'), payload, { qos: 1 })
    await eventually(() => got.length > 0, 10_000, 'the message on broker B')
    expect(got).toEqual([`v1/devices/paddy-a/telemetry ${payload}`])
    await watcher.endAsync()
    await device.endAsync()
  })

  it('moves a persistent session from broker A to broker B with its queued QoS 1 messages', async () => {
    const options = {
      clientId: 'watcher-persistent',
      username: WATCHER.username,
      password: WATCHER.password,
      clean: false,
    }
    const first = await connect(brokerA.mqttUrl, options)
    await first.subscribeAsync('v1/devices/paddy-b/telemetry', { qos: 1 })
    await first.endAsync()

    // while it is offline, paddy-b publishes on broker B
    const device = await connectDevice(brokerB, 'paddy-b')
    const sent: string[] = []
    const base = Date.now() - 50_000
    for (let seq = 1; seq <= 3; seq++) {
      sent.push(reading(seq, base + seq * 1000, 10 + seq))
      await device.publishAsync(telemetryTopic('paddy-b'), sent[seq - 1] as string, { qos: 1 })
    }
    await device.endAsync()

    const got: Array<{ payload: string; qos: number }> = []
    const second = mqtt.connect(brokerB.mqttUrl, { ...options, reconnectPeriod: 0 })
    clients.push(second)
    second.on('message', (_topic, payload, packet) =>
      got.push({ payload: payload.toString(), qos: packet.qos }),
    )
    const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => {
      second.once('connect', resolve)
      second.once('error', reject)
    })
    expect(connack.sessionPresent).toBe(true)
    await eventually(() => got.length >= 3, 10_000, 'the queued messages on broker B')
    expect(got).toEqual(sent.map((payload) => ({ payload, qos: 1 })))
    await second.endAsync()
  })

  it('closes the old connection when the same device connects to the other broker', async () => {
    const onA = await connectDevice(brokerA, 'paddy-b')
    const taken = closed(onA)
    const onB = await connectDevice(brokerB, 'paddy-b')
    await taken
    expect(onB.connected).toBe(true)
    await onB.endAsync()
  })

  it('refuses a device revoked with the CLI on both brokers and disconnects it at once', async () => {
    const device = await connectDevice(brokerA, 'paddy-r')
    const gone = closed(device)
    await cli(['device', 'revoke', 'paddy-r'])
    await gone
    expect(await connackCode(brokerA, 'paddy-r')).toBe(5)
    expect(await connackCode(brokerB, 'paddy-r')).toBe(5)
    // revoked_at is set; the row and its hash stay (the silence watchdog reads revokedAt)
    const [row] = await postgres.query<{ revoked: boolean; secret_hash: string }>(
      'SELECT revoked_at IS NOT NULL AS revoked, secret_hash FROM devices WHERE id = $1',
      ['paddy-r'],
    )
    expect(row?.revoked).toBe(true)
    expect(row?.secret_hash).not.toMatch(/^revoked:/)

    // rotating lets it in again, on either broker
    const out = await cli(['device', 'rotate', 'paddy-r'])
    passwords.set('paddy-r', /MQTT password: (\S+)/.exec(out)?.[1] as string)
    await eventually(
      async () => (await connackCode(brokerB, 'paddy-r')) === 0,
      10_000,
      'rotated device accepted',
    )
    expect(await connackCode(brokerA, 'paddy-r')).toBe(0)
  })

  it('applies a revocation written straight into PostgreSQL to both brokers', async () => {
    const device = await connectDevice(brokerB, 'paddy-q')
    const gone = closed(device)
    await postgres.query('UPDATE devices SET revoked_at = now() WHERE id = $1', ['paddy-q'])
    await gone
    expect(await connackCode(brokerA, 'paddy-q')).toBe(5)
    expect(await connackCode(brokerB, 'paddy-q')).toBe(5)
  })

  it('keeps following the registry after its LISTEN connection was cut', async () => {
    const listeners = async () =>
      (
        await postgres.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN mimamori_registry'",
        )
      ).map((r) => r.pid)
    const before = await listeners()
    expect(before).toHaveLength(2)
    await postgres.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before])
    await eventually(
      async () => {
        const now = await listeners()
        return now.length === 2 && now.every((pid) => !before.includes(pid))
      },
      15_000,
      'both brokers listening again',
    )
    const device = await connectDevice(brokerB, 'paddy-r')
    const gone = closed(device)
    await postgres.query('UPDATE devices SET revoked_at = now() WHERE id = $1', ['paddy-r'])
    await gone
    expect(await connackCode(brokerA, 'paddy-r')).toBe(5)
  })

  it('stores the readings of both brokers in VictoriaMetrics exactly once', async () => {
    // so far paddy-a's reading went through A and paddy-b's three through B. Now paddy-a sends one
    // through B, misses the PUBACK (say) and sends it again after reconnecting to A.
    const ts = Date.now() - 20_000
    const viaB = await connectDevice(brokerB, 'paddy-a')
    await viaB.publishAsync(telemetryTopic('paddy-a'), reading(2, ts, 8), { qos: 1 })
    await viaB.endAsync()
    const viaA = await connectDevice(brokerA, 'paddy-a')
    await viaA.publishAsync(telemetryTopic('paddy-a'), reading(2, ts, 8), { qos: 1, dup: true })
    await viaA.endAsync()
    await eventually(async () => (await storedDepths('paddy-a')).length >= 2, 15_000, 'paddy-a in VM')
    await eventually(async () => (await storedDepths('paddy-b')).length >= 3, 15_000, 'paddy-b in VM')
    // give a duplicate time to show up
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const a = await storedDepths('paddy-a')
    expect(a).toHaveLength(2)
    expect(a[1]).toBe(ts)
    expect(await storedDepths('paddy-b')).toHaveLength(3)
    // each broker ingested what its own clients published (in authorizePublish): nobody else did
    const stored = async (broker: Broker) => {
      const text = await (await fetch(`${broker.httpUrl}/metrics`)).text()
      return Number(/mimamori_ingest_readings_total\{result="stored"\} (\d+)/.exec(text)?.[1] ?? 0)
    }
    expect(await stored(brokerA)).toBe(2) // paddy-a seq 1, and the retry of seq 2
    expect(await stored(brokerB)).toBe(4) // paddy-b seq 1-3, paddy-a seq 2
  })

  it('keeps the registry schema idempotent and serves the revoked state through the PostgreSQL store', async () => {
    // a third opener (another broker starting) finds the schema there and changes nothing
    const store = await openPostgresMetaStore(postgres.url)
    try {
      const device = await store.registry.getDevice('paddy-q')
      expect(device?.revokedAt).toEqual(expect.any(Number))
      expect((await store.registry.listDevices()).map((d) => d.id)).toEqual([
        'paddy-a',
        'paddy-b',
        'paddy-q',
        'paddy-r',
      ])
      expect((await store.acl.load()).users.map((u) => u.username)).toEqual([WATCHER.username])
    } finally {
      await store.close()
    }
  })

  it('stops both brokers on SIGTERM (flushing their writers) with exit code 0', async () => {
    brokerA.cli.child.kill('SIGTERM')
    brokerB.cli.child.kill('SIGTERM')
    expect(await Promise.all([brokerA.cli.exited, brokerB.cli.exited])).toEqual([0, 0])
  })
})
