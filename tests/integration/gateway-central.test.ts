import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyDeviceSecret } from '../../broker/device-secrets.js'
import {
  GatewayDevicesSchema,
  gatewayDevicesTopic,
  gatewayStatusTopic,
  telemetryTopic,
} from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  await sys.stop()
})

describe('the centre side of edge gateways', () => {
  it('lets a gateway publish for exactly its devices and hands it their gateway-keyed hashes', async () => {
    const gw = await sys.api<{ password: string; deviceKey: string }>('POST', '/gateways', { id: 'gw-1' })
    expect(gw.status).toBe(201)
    const created = await sys.api<{ password: string }>('POST', '/devices', {
      id: 'paddy-9',
      kind: 'paddy',
      gatewayId: 'gw-1',
    })
    expect(created.status).toBe(201)
    await sys.provisionDevice('paddy-other', 'paddy')
    expect((await sys.api('POST', '/devices', { id: 'x', kind: 'paddy', gatewayId: 'gw-none' })).status).toBe(
      400,
    )

    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'gw-1',
      username: 'gw-1',
      password: gw.body.password,
      reconnectPeriod: 0,
    })
    const lists: unknown[] = []
    client.on('message', (_topic, payload) => lists.push(JSON.parse(payload.toString())))
    await client.subscribeAsync(gatewayDevicesTopic('gw-1'), { qos: 1 })
    const list = GatewayDevicesSchema.parse(
      await eventually(() => lists[0], 5000, 'the retained device list'),
    )
    expect(list.devices.map((d) => d.id)).toEqual(['paddy-9'])
    // the gateway can check the device's password offline with its own device key…
    const key = Buffer.from(gw.body.deviceKey, 'base64')
    expect(verifyDeviceSecret(key, created.body.password, list.devices[0]?.secretHash as string)).toBe(true)
    expect(verifyDeviceSecret(key, 'wrong', list.devices[0]?.secretHash as string)).toBe(false)

    // …forwards a backfill batch with original timestamps, and reports its status
    const t0 = Date.now() - 3_600_000
    await client.publishAsync(
      telemetryTopic('paddy-9'),
      JSON.stringify({
        batch: [0, 1, 2].map((i) => ({ ts: t0 + i * 60_000, seq: i, m: { water_depth_cm: 6 + i } })),
      }),
      { qos: 1 },
    )
    expect(await sys.system.readings.count('paddy-9')).toBe(3)
    await client.publishAsync(
      gatewayStatusTopic('gw-1'),
      JSON.stringify({ state: 'online', backlog: 0, accepting: true }),
      {
        qos: 1,
        retain: true,
      },
    )
    const gateways = await sys.api<{
      gateways: Array<{ id: string; devices: string[]; status: { backlog: number } | null }>
    }>('GET', '/gateways')
    expect(gateways.body.gateways).toMatchObject([
      { id: 'gw-1', devices: ['paddy-9'], status: { backlog: 0 } },
    ])

    // a device behind another gateway (or none) is out of bounds: the gateway is disconnected
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    client.publish(
      telemetryTopic('paddy-other'),
      JSON.stringify({ ts: Date.now(), seq: 1, m: { water_depth_cm: 5 } }),
      { qos: 1 },
    )
    await closed
    expect(await sys.system.readings.count('paddy-other')).toBe(0)
    await client.endAsync(true)
  })

  it('publishes a new device list when a device joins the gateway and refuses removing a gateway in use', async () => {
    const gw = await sys.api<{ password: string }>('POST', '/gateways', { id: 'gw-2' })
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'gw-2',
      username: 'gw-2',
      password: gw.body.password,
      reconnectPeriod: 0,
    })
    const lists: Array<{ devices: Array<{ id: string }> }> = []
    client.on('message', (_topic, payload) => lists.push(JSON.parse(payload.toString())))
    await client.subscribeAsync(gatewayDevicesTopic('gw-2'), { qos: 1 })
    await eventually(() => lists.length === 1, 5000, 'the empty list')
    expect(lists[0]?.devices).toEqual([])
    await sys.api('POST', '/devices', { id: 'res-7', kind: 'reservoir', gatewayId: 'gw-2' })
    await eventually(() => lists.length === 2, 5000, 'the updated list')
    expect(lists[1]?.devices.map((d) => d.id)).toEqual(['res-7'])
    expect((await sys.api('DELETE', '/gateways/gw-2')).status).toBe(409)
    await client.endAsync()
  })
})
