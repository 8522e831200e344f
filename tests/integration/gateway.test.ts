import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadGatewayConfig } from '../../gateway/config.js'
import { type RunningGateway, startGateway } from '../../gateway/server.js'
import {
  connectDevice,
  expectExactlyOnce,
  gatewayEnv,
  gatewayMetric,
  gatewayStatus,
  type LedgerDevice,
  provisionGateway,
  startStream,
  startTcpProxy,
  type TcpProxy,
} from '../helpers/gateway.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let sys: TestSystem
let proxy: TcpProxy
let dataDir: string
let gateway: RunningGateway | undefined
let devices: LedgerDevice[] = []
const streams: Array<{ stop(): Promise<number> }> = []

beforeEach(async () => {
  sys = await startTestSystem()
  proxy = await startTcpProxy(sys.system.mqttPort)
  dataDir = mkdtempSync(join(tmpdir(), 'mimamori-gw-'))
})
afterEach(async () => {
  for (const s of streams.splice(0)) void s.stop()
  await Promise.all(devices.map((d) => d.close()))
  devices = []
  await gateway?.stop()
  gateway = undefined
  await proxy.close()
  await sys.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function startLocalGateway(deviceIds: string[], extra: Record<string, string> = {}) {
  const gw = await provisionGateway(sys, 'gw-1', deviceIds)
  gateway = await startGateway(loadGatewayConfig(gatewayEnv(gw, proxy.port, dataDir, extra)), { log })
  const httpUrl = `http://127.0.0.1:${gateway.ports.http}`
  await eventually(
    async () => (await gatewayStatus(httpUrl)).devices === deviceIds.length,
    10_000,
    'device list',
  )
  const mqttUrl = `mqtt://127.0.0.1:${gateway.ports.mqtt}`
  devices = await Promise.all(deviceIds.map((id) => connectDevice(mqttUrl, id, gw.devices[id] as string)))
  return httpUrl
}

function stream(intervalMs: number, firstTs: number) {
  const handle = startStream(devices, intervalMs, firstTs)
  streams.push(handle)
  return handle
}

describe('mimamori gateway (store and forward)', () => {
  it('buffers through an uplink outage and delivers every reading exactly once with its timestamp; live readings overtake the backlog', async () => {
    const httpUrl = await startLocalGateway(['paddy-1', 'paddy-2', 'paddy-3'], {
      GATEWAY_BACKFILL_RATE: '200',
    })
    const t0 = Date.now() - 86_400_000
    const live = stream(20, t0) // 3 devices × 50 readings/s
    await sleep(1000)
    proxy.cut()
    await eventually(
      async () => (await gatewayMetric(httpUrl, 'mimamori_gateway_uplink_up')) === 0,
      5000,
      'uplink down',
    )
    await sleep(4000)
    const backlog = await gatewayMetric(httpUrl, 'mimamori_gateway_backlog_readings')
    expect(backlog).toBeGreaterThan(400)
    expect(await gatewayMetric(httpUrl, 'mimamori_gateway_oldest_unsent_timestamp_seconds')).toBeGreaterThan(
      t0 / 1000,
    )

    const restoredAt = Date.now()
    proxy.restore()
    await eventually(
      async () => (await gatewayMetric(httpUrl, 'mimamori_gateway_uplink_up')) === 1,
      10_000,
      'uplink up',
    )
    // a reading published now reaches the centre long before the backlog has been sent
    const marker = devices[0] as LedgerDevice
    const markerTs = Date.now()
    const markerAt = Date.now()
    await marker.publish(999_999, markerTs)
    await eventually(
      async () => (await sys.system.readings.storedKeys(marker.id, markerTs, markerTs)).length === 1,
      5000,
      'the live reading at the centre',
    )
    const liveLatencyMs = Date.now() - markerAt
    const backlogLeft = await gatewayMetric(httpUrl, 'mimamori_gateway_backlog_readings')
    expect(backlogLeft).toBeGreaterThan(100)
    await sleep(500)
    await live.stop()

    await eventually(
      async () => (await gatewayMetric(httpUrl, 'mimamori_gateway_backlog_readings')) === 0,
      30_000,
      'backlog sent',
    )
    const drainedMs = Date.now() - restoredAt
    const backfilled = await gatewayMetric(httpUrl, 'mimamori_gateway_readings_forwarded_total', {
      path: 'backfill',
    })
    // paced at 200 readings/s: no flood after the reconnect
    expect(backfilled / (drainedMs / 1000)).toBeLessThan(260)
    await expectExactlyOnce(sys, devices)
    console.info(
      `[gateway] backlog ${backlog}, backfilled ${backfilled} in ${drainedMs} ms (${Math.round(backfilled / (drainedMs / 1000))}/s at rate 200), live reading latency during backfill ${liveLatencyMs} ms`,
    )
  })

  it('stops acknowledging when the disk budget is full, says so in its status, and loses nothing it acknowledged', async () => {
    const httpUrl = await startLocalGateway(['paddy-1'], {
      GATEWAY_DISK_BUDGET_MB: '0.02',
      GATEWAY_BACKFILL_RATE: '50',
    })
    proxy.cut()
    await eventually(
      async () => (await gatewayMetric(httpUrl, 'mimamori_gateway_uplink_up')) === 0,
      5000,
      'uplink down',
    )
    const device = devices[0] as LedgerDevice
    const t0 = Date.now() - 3_600_000
    let refusedSeq = -1
    const pending: Array<Promise<void>> = []
    for (let seq = 0; seq < 2000; seq++) {
      const ack = device.publish(seq, t0 + seq * 1000)
      pending.push(ack)
      const acked = await Promise.race([ack.then(() => true), sleep(1500).then(() => false)])
      if (!acked) {
        refusedSeq = seq
        break
      }
    }
    expect(refusedSeq).toBeGreaterThan(100)
    const status = await gatewayStatus(httpUrl)
    expect(status).toMatchObject({ accepting: false, uplink: false })
    expect(status.backlog).toBe(refusedSeq)
    expect((await fetch(`${httpUrl}/readyz`)).status).toBe(503)
    expect(
      await gatewayMetric(httpUrl, 'mimamori_gateway_readings_refused_total', { reason: 'disk_budget' }),
    ).toBeGreaterThan(0)
    expect(await gatewayMetric(httpUrl, 'mimamori_gateway_backlog_bytes')).toBeLessThanOrEqual(
      0.02 * 1024 * 1024,
    )

    // the centre hears `accepting: false` once the uplink is back, then `true` as the backlog drains
    const seen: boolean[] = []
    const watch = setInterval(async () => {
      const res = await sys.api<{ gateways: Array<{ status: { accepting?: boolean } | null }> }>(
        'GET',
        '/gateways',
      )
      const accepting = res.body.gateways[0]?.status?.accepting
      if (accepting !== undefined && seen.at(-1) !== accepting) seen.push(accepting)
    }, 25)
    proxy.restore()
    try {
      await eventually(
        () => seen.includes(false) && seen.at(-1) === true,
        20_000,
        'status accepting false → true',
      )
    } finally {
      clearInterval(watch)
    }
    // the device's own buffer (its unacknowledged publish) is taken once space is back
    await Promise.all(pending)
    await expectExactlyOnce(sys, devices)
  })
})
