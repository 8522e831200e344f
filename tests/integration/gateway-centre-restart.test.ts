import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadGatewayConfig } from '../../gateway/config.js'
import { type RunningGateway, startGateway } from '../../gateway/server.js'
import {
  connectDevice,
  expectExactlyOnce,
  gatewayEnv,
  gatewayStatus,
  type LedgerDevice,
  provisionGateway,
  startStream,
} from '../helpers/gateway.js'
import { freePort } from '../helpers/processes.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const dirs: string[] = []
let sys: TestSystem | undefined
let gateway: RunningGateway | undefined
let devices: LedgerDevice[] = []

afterEach(async () => {
  await Promise.all(devices.map((d) => d.close()))
  devices = []
  await gateway?.stop()
  await sys?.stop()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('mimamori gateway while the centre restarts', () => {
  it('keeps acknowledging while the central system is stopped and delivers everything once it is back', async () => {
    const centreDir = mkdtempSync(join(tmpdir(), 'mimamori-centre-'))
    const gatewayDir = mkdtempSync(join(tmpdir(), 'mimamori-gw-'))
    dirs.push(centreDir, gatewayDir)
    const port = await freePort()
    const startCentre = () => startTestSystem({ dataDir: centreDir, env: { MQTT_PORT: String(port) } })
    sys = await startCentre()
    const gw = await provisionGateway(sys, 'gw-hill', ['paddy-1', 'paddy-2'])
    gateway = await startGateway(loadGatewayConfig(gatewayEnv(gw, port, gatewayDir)), { log })
    const httpUrl = `http://127.0.0.1:${gateway.ports.http}`
    await eventually(async () => (await gatewayStatus(httpUrl)).devices === 2, 10_000, 'device list')
    devices = await Promise.all(
      ['paddy-1', 'paddy-2'].map((id) =>
        connectDevice(`mqtt://127.0.0.1:${gateway?.ports.mqtt}`, id, gw.devices[id] as string),
      ),
    )

    const live = startStream(devices, 20, Date.now() - 3_600_000)
    await new Promise((resolve) => setTimeout(resolve, 700))
    await sys.stop()
    sys = undefined
    await eventually(async () => (await gatewayStatus(httpUrl)).uplink === false, 5000, 'uplink down')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await gatewayStatus(httpUrl)).backlog).toBeGreaterThan(100)

    sys = await startCentre()
    const centre = sys
    await eventually(async () => (await gatewayStatus(httpUrl)).uplink === true, 10_000, 'uplink back')
    await live.stop()
    await eventually(async () => (await gatewayStatus(httpUrl)).backlog === 0, 20_000, 'backlog sent')
    await expectExactlyOnce(centre, devices)
  })
})
