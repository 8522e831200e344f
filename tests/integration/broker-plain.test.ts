/**
 * Plain-broker use: anonymous clients (MQTT_ALLOW_ANONYMOUS) and service users with topic rights
 * from the ACL file (MQTT_ACL_FILE), next to devices.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AclFileError } from '../../broker/acl-file.js'
import { hashServicePassword } from '../../broker/service-passwords.js'
import { cmdTopic, telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { eventually } from '../helpers/system.js'
import { testDir } from '../helpers/temp-dir.js'

let tb: TestBroker | undefined
const clients: MqttClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await tb?.stop()
  tb = undefined
})

let hashes: Record<string, string>
beforeAll(async () => {
  hashes = {
    scada: await hashServicePassword('scada-password-1'),
    ops: await hashServicePassword('ops-password-1'),
  }
})

async function client(options: IClientOptions) {
  const c = await mqtt.connectAsync((tb as TestBroker).url, { reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}
const refusal = (options: IClientOptions) =>
  mqtt.connectAsync((tb as TestBroker).url, { reconnectPeriod: 0, ...options }).then(
    (c) => {
      clients.push(c)
      return undefined
    },
    (err: Error & { code?: number }) => err.code,
  )
const granted = (c: MqttClient, filters: string[]) =>
  new Promise<number[] | undefined>((resolve) =>
    c.subscribe(filters, { qos: 1 }, (_e, _g, packet) =>
      resolve((packet as { granted?: number[] })?.granted),
    ),
  )
function messages(c: MqttClient) {
  const got: string[] = []
  c.on('message', (topic, payload) => got.push(`${topic} ${payload}`))
  return got
}

async function startWithAclFile(acl: unknown, env: Record<string, string> = {}) {
  const file = join(testDir('acl'), 'acl.json')
  writeFileSync(file, JSON.stringify(acl))
  tb = await startTestBroker({ env: { MQTT_ACL_FILE: file, ...env } })
  return tb
}

describe('anonymous clients (MQTT_ALLOW_ANONYMOUS)', () => {
  it('are refused by default', async () => {
    tb = await startTestBroker()
    expect(await refusal({ clientId: 'anon' })).toBe(4)
    expect(await tb.metric('mimamori_mqtt_auth_failures_total', { reason: 'missing_credentials' })).toBe(1)
  })

  it('use topics outside v1/ but never device topics or $SYS', async () => {
    tb = await startTestBroker({ env: { MQTT_ALLOW_ANONYMOUS: 'true' } })
    const password = tb.addDevice('rail-3')
    const device = await client({ clientId: 'rail-3', username: 'rail-3', password })
    const anon = await client({ clientId: 'anon' })
    const got = messages(anon)
    expect(await granted(anon, ['city/#', 'v1/#', 'v1/devices/rail-3/telemetry', '$SYS/#', '#'])).toEqual([
      1, 128, 128, 128, 1,
    ])
    await device.publishAsync(telemetryTopic('rail-3'), JSON.stringify({ ts: Date.now(), seq: 1, m: {} }), {
      qos: 1,
    })
    await anon.publishAsync('city/water', 'ok', { qos: 1 })
    await eventually(() => got.length >= 1, 5000, 'its own message (one copy for both subscriptions)')
    await new Promise((r) => setTimeout(r, 200))
    // `#` matched the device's telemetry, but it is not delivered to an anonymous client
    expect(got).toEqual(['city/water ok'])
    const closed = new Promise<void>((resolve) => anon.once('close', () => resolve()))
    anon.publish(cmdTopic('rail-3'), 'reboot', { qos: 1 })
    await closed
    expect(await tb.metric('mimamori_mqtt_disconnects_total', { reason: 'publish_denied' })).toBe(1)
    // an anonymous client cannot take a device's client id (its session is the device's alone)
    expect(await refusal({ clientId: 'rail-3' })).toBe(2)
  })
})

describe('the ACL file (MQTT_ACL_FILE)', () => {
  const aclFile = () => ({
    users: [
      {
        username: 'scada',
        password: hashes.scada,
        role: 'dashboard',
        rules: [
          { topic: 'plant/+/level', access: 'readwrite' },
          { topic: 'plant/secret/#', access: 'deny' },
          { topic: 'plant/#', access: 'read' },
          { topic: 'users/%u/#', access: 'readwrite' },
        ],
      },
      { username: 'ops', password: hashes.ops, rules: [{ topic: 'plant/#', access: 'write' }] },
    ],
    anonymous: { rules: [{ topic: 'public/#', access: 'read' }] },
  })

  it('gives service users their topic rights: read, write, readwrite, deny, + and #, %u', async () => {
    await startWithAclFile(aclFile())
    const scada = await client({ clientId: 'scada-1', username: 'scada', password: 'scada-password-1' })
    const got = messages(scada)
    // a deny rule refuses a subscription it covers with 0x80; a filter it only overlaps is allowed
    expect(
      await granted(scada, [
        'plant/#',
        'plant/secret/#',
        'plant/secret/x',
        'users/scada/inbox',
        'users/ops/inbox',
        'other',
      ]),
    ).toEqual([1, 128, 128, 1, 128, 128])
    const ops = await client({ clientId: 'ops-1', username: 'ops', password: 'ops-password-1' })
    await ops.publishAsync('plant/7/level', '3.2', { qos: 1 })
    await ops.publishAsync('plant/secret/key', 'xyz', { qos: 1 }) // ops may write it; scada may not read it
    await scada.publishAsync('users/scada/inbox', 'note', { qos: 1 })
    await eventually(() => got.length >= 2, 5000, 'two messages')
    await new Promise((r) => setTimeout(r, 200))
    expect(got.sort()).toEqual(['plant/7/level 3.2', 'users/scada/inbox note'])
    // ops has write rights only: its subscription is refused
    expect(await granted(ops, ['plant/#'])).toEqual([128])
    const closed = new Promise<void>((resolve) => scada.once('close', () => resolve()))
    scada.publish('plant/7/flow', '1', { qos: 1 }) // read-only for scada
    await closed
  })

  it('lets a dashboard-role user command a device, never speak for it', async () => {
    await startWithAclFile(aclFile())
    const password = (tb as TestBroker).addDevice('res-2')
    const device = await client({ clientId: 'res-2', username: 'res-2', password })
    const commands = messages(device)
    await device.subscribeAsync(cmdTopic('res-2'), { qos: 1 })
    const scada = await client({ clientId: 'scada-2', username: 'scada', password: 'scada-password-1' })
    await scada.publishAsync(cmdTopic('res-2'), '{"interval_s":60}', { qos: 1 })
    await eventually(() => commands.length === 1, 5000, 'the command')
    expect(commands[0]).toBe('v1/devices/res-2/cmd {"interval_s":60}')
    const closed = new Promise<void>((resolve) => scada.once('close', () => resolve()))
    scada.publish(telemetryTopic('res-2'), JSON.stringify({ ts: Date.now(), seq: 1, m: {} }), { qos: 1 })
    await closed
    expect((tb as TestBroker).telemetry).toEqual([])
  })

  it('checks passwords, keeps client ids of other identities, and applies the anonymous section', async () => {
    await startWithAclFile(aclFile(), { MQTT_ALLOW_ANONYMOUS: 'true' })
    expect(await refusal({ clientId: 'x', username: 'scada', password: 'wrong' })).toBe(4)
    await client({ clientId: 'shared-id', username: 'scada', password: 'scada-password-1' })
    // another identity cannot take over a connected session (RELIABILITY.md item 23)
    expect(await refusal({ clientId: 'shared-id', username: 'ops', password: 'ops-password-1' })).toBe(2)
    expect(await refusal({ clientId: 'shared-id' })).toBe(2)
    const anon = await client({ clientId: 'anon' })
    expect(await granted(anon, ['public/news', 'plant/#'])).toEqual([1, 128])
  })

  it('stops start-up with a message naming the bad field', async () => {
    await expect(
      startWithAclFile({ users: [{ username: 'x', password: 'plain', rules: [] }] }),
    ).rejects.toThrow(AclFileError)
    await expect(
      startWithAclFile({ users: [], anonymous: { rules: [{ topic: 'a/#/b', access: 'read' }] } }),
    ).rejects.toThrow(/not a valid MQTT topic filter/)
  })
})
