import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  connectDevice,
  expectExactlyOnce,
  type GatewayProcess,
  gatewayEnv,
  gatewayMetric,
  gatewayStatus,
  type LedgerDevice,
  provisionGateway,
  spawnGateway,
  startStream,
  startTcpProxy,
  type TcpProxy,
} from '../helpers/gateway.js'
import { freePort } from '../helpers/processes.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
let proxy: TcpProxy
let dataDir: string
let gateway: GatewayProcess | undefined
let devices: LedgerDevice[] = []

beforeEach(async () => {
  sys = await startTestSystem()
  proxy = await startTcpProxy(sys.system.mqttPort)
  dataDir = mkdtempSync(join(tmpdir(), 'mimamori-gw-crash-'))
})
afterEach(async () => {
  await Promise.all(devices.map((d) => d.close()))
  devices = []
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGTERM')
    await gateway.exited
  }
  await proxy.close()
  await sys.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('mimamori gateway after kill -9', () => {
  it('loses nothing and stores nothing twice when SIGKILLed while sending its backlog', async () => {
    const gw = await provisionGateway(sys, 'gw-9', ['paddy-1', 'paddy-2'])
    const [mqttPort, wsPort, httpPort] = await Promise.all([freePort(), freePort(), freePort()])
    const env = gatewayEnv(gw, proxy.port, dataDir, {
      GATEWAY_MQTT_PORT: String(mqttPort),
      GATEWAY_MQTT_WS_PORT: String(wsPort),
      GATEWAY_HTTP_PORT: String(httpPort),
      GATEWAY_BACKFILL_RATE: '300',
    })
    const httpUrl = `http://127.0.0.1:${httpPort}`
    const start = async () => {
      gateway = spawnGateway(env)
      const child = gateway
      await eventually(
        async () => child.child.exitCode === null && (await gatewayStatus(httpUrl)).devices === 2,
        20_000,
        `gateway up (${child.output.stderr})`,
      )
    }
    await start()
    devices = await Promise.all(
      ['paddy-1', 'paddy-2'].map((id) =>
        connectDevice(`mqtt://127.0.0.1:${mqttPort}`, id, gw.devices[id] as string),
      ),
    )

    proxy.cut()
    await eventually(async () => (await gatewayStatus(httpUrl)).uplink === false, 5000, 'uplink down')
    const t0 = Date.now() - 7 * 86_400_000
    const perDevice = 1000
    await Promise.all(
      devices.flatMap((d) => Array.from({ length: perDevice }, (_, seq) => d.publish(seq, t0 + seq * 1000))),
    )
    expect((await gatewayStatus(httpUrl)).backlog).toBe(2 * perDevice)

    proxy.restore()
    const live = startStream(devices, 50, t0, perDevice) // live readings keep coming through the crash
    const atCentre = async () =>
      (await sys.system.readings.count('paddy-1')) + (await sys.system.readings.count('paddy-2'))
    await eventually(async () => (await atCentre()) >= 600, 20_000, 'part of the backlog at the centre')
    const backlogAtKill = await gatewayMetric(httpUrl, 'mimamori_gateway_backlog_readings')
    expect(backlogAtKill).toBeGreaterThan(200)
    gateway?.child.kill('SIGKILL')
    await gateway?.exited

    await start()
    const next = await live.stop()
    expect(next).toBeGreaterThan(perDevice)
    await eventually(
      async () => (await gatewayStatus(httpUrl)).backlog === 0,
      30_000,
      'backlog sent after the restart',
    )
    await expectExactlyOnce(sys, devices)
    const duplicates = await sys.metric('mimamori_ingest_readings_total', { result: 'duplicate' })
    // a graceful stop says `offline` at the centre and exits 0
    gateway?.child.kill('SIGTERM')
    expect(await gateway?.exited).toBe(0)
    await eventually(
      async () => {
        const res = await sys.api<{ gateways: Array<{ status: { state: string } | null }> }>(
          'GET',
          '/gateways',
        )
        return res.body.gateways[0]?.status?.state === 'offline'
      },
      5000,
      'offline status at the centre',
    )
    console.info(
      `[gateway] killed with ${backlogAtKill} readings unsent; after restart all ${devices.reduce((n, d) => n + d.acked.length, 0)} acknowledged readings stored once (${duplicates} resends deduplicated by the centre)`,
    )
  })
})
