import { type ChildProcess, spawn } from 'node:child_process'
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { ROOT } from './processes.js'
import { eventually, type TestSystem } from './system.js'

/**
 * A TCP proxy between the gateway and the centre that a test can cut (close every connection
 * and refuse new ones) and restore: an LTE uplink dropping out, on loopback.
 */
export interface TcpProxy {
  port: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let up = true
  const sockets = new Set<Socket>()
  const server = createServer((inbound) => {
    if (!up) return void inbound.destroy()
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort })
    for (const s of [inbound, outbound]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        inbound.destroy()
        outbound.destroy()
      })
    }
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      up = false
      for (const s of sockets) s.destroy()
    },
    restore() {
      up = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface ProvisionedGateway {
  id: string
  password: string
  deviceKey: string
  devices: Record<string, string>
}

/** A gateway and its paddy sensors, registered at the centre through the admin REST API. */
export async function provisionGateway(
  sys: TestSystem,
  id: string,
  deviceIds: string[],
): Promise<ProvisionedGateway> {
  const gw = await sys.api<{ password: string; deviceKey: string }>('POST', '/gateways', { id })
  if (gw.status !== 201) throw new Error(`gateway ${id}: ${gw.status} ${JSON.stringify(gw.body)}`)
  const devices: Record<string, string> = {}
  for (const deviceId of deviceIds) {
    const res = await sys.api<{ password: string }>('POST', '/devices', {
      id: deviceId,
      kind: 'paddy',
      gatewayId: id,
    })
    if (res.status !== 201) throw new Error(`device ${deviceId}: ${res.status} ${JSON.stringify(res.body)}`)
    devices[deviceId] = res.body.password
  }
  return { id, password: gw.body.password, deviceKey: gw.body.deviceKey, devices }
}

export function gatewayEnv(
  gw: ProvisionedGateway,
  centralPort: number,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GATEWAY_ID: gw.id,
    GATEWAY_PASSWORD: gw.password,
    GATEWAY_DEVICE_KEY: gw.deviceKey,
    CENTRAL_MQTT_URL: `mqtt://127.0.0.1:${centralPort}`,
    GATEWAY_MQTT_HOST: '127.0.0.1',
    GATEWAY_MQTT_PORT: '0',
    GATEWAY_MQTT_WS_PORT: '0',
    GATEWAY_HTTP_HOST: '127.0.0.1',
    GATEWAY_HTTP_PORT: '0',
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_RECONNECT_MS: '100',
    GATEWAY_RECONNECT_MAX_MS: '500',
    GATEWAY_STATUS_INTERVAL_MS: '1000',
    GATEWAY_KEEPALIVE_S: '5',
    ...extra,
  }
}

export interface GatewayProcess {
  child: ChildProcess
  output: { stdout: string; stderr: string }
  exited: Promise<number | null>
}

/** `node --import tsx gateway/run.ts` (fixed ports in `env`, so a restart comes back on them). */
export function spawnGateway(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/run.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  })
  const output = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output, exited }
}

/** Sums a gateway metric's samples matching `labels` from its /metrics page. */
export async function gatewayMetric(httpUrl: string, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    )
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3])
  }
  return sum
}

export async function gatewayStatus(httpUrl: string) {
  const res = await fetch(`${httpUrl}/status`)
  return (await res.json()) as { accepting: boolean; backlog: number; uplink: boolean; devices: number }
}

/** A simulated paddy sensor behind the gateway: persistent session, QoS 1, a ledger of PUBACKs. */
export interface LedgerDevice {
  id: string
  client: MqttClient
  /** (seq, ts) of every reading the gateway acknowledged. */
  acked: Array<{ seq: number; ts: number }>
  /** Resolves on the PUBACK, whenever that comes (after reconnects and resends). */
  publish(seq: number, ts: number): Promise<void>
  close(): Promise<void>
}

export async function connectDevice(url: string, id: string, password: string): Promise<LedgerDevice> {
  const client = await mqtt.connectAsync(url, {
    clientId: id,
    username: id,
    password,
    clean: false,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  })
  client.on('error', () => {})
  const acked: LedgerDevice['acked'] = []
  return {
    id,
    client,
    acked,
    publish: (seq, ts) =>
      new Promise<void>((resolve) => {
        const payload = JSON.stringify({ ts, seq, m: { water_depth_cm: 5 + (seq % 50) / 10 } })
        client.publish(telemetryTopic(id), payload, { qos: 1 }, (err) => {
          if (err) return // never acknowledged: not in the ledger
          acked.push({ seq, ts })
          resolve()
        })
      }),
    close: () => client.endAsync(true),
  }
}

/** Each device publishes one reading every `intervalMs` (seq from `firstSeq`, ts 1 s apart). */
export function startStream(devices: LedgerDevice[], intervalMs: number, firstTs: number, firstSeq = 0) {
  const sent: Array<Promise<void>> = []
  let seq = firstSeq
  const timer = setInterval(() => {
    for (const d of devices) sent.push(d.publish(seq, firstTs + seq * 1000))
    seq++
  }, intervalMs)
  return {
    /** Stops publishing and resolves once every reading sent was acknowledged; gives the next seq. */
    async stop() {
      clearInterval(timer)
      await Promise.all(sent)
      return seq
    },
  }
}

/**
 * Every acknowledged reading is stored at the centre exactly once with its original timestamp
 * (one metric per reading, so rows = readings) — and nothing else was stored.
 */
export async function expectExactlyOnce(sys: TestSystem, devices: LedgerDevice[], timeoutMs = 30_000) {
  for (const device of devices) {
    const want = device.acked
      .map((r) => `${r.seq}:${r.ts}`)
      .sort()
      .join(',')
    const from = Math.min(...device.acked.map((r) => r.ts))
    const to = Math.max(...device.acked.map((r) => r.ts))
    await eventually(
      async () => (await sys.system.readings.count(device.id)) >= device.acked.length,
      timeoutMs,
      `${device.id}: ${device.acked.length} readings at the centre`,
    )
    const keys = await sys.system.readings.storedKeys(device.id, from, to)
    const have = keys
      .map((k) => `${k.seq}:${k.ts}`)
      .sort()
      .join(',')
    if (have !== want || (await sys.system.readings.count(device.id)) !== device.acked.length) {
      throw new Error(
        `${device.id}: stored ${keys.length} (${await sys.system.readings.count(device.id)} rows), acknowledged ${device.acked.length}`,
      )
    }
  }
}
