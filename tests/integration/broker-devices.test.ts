/**
 * Devices on the broker: presence on the retained status topic, client-id takeover, wills, bad
 * status payloads, and persistence of retained messages and sessions across a broker restart.
 */
import { rmSync } from 'node:fs'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { type Acl, createAcl } from '../../broker/acl-file.js'
import { hashServicePassword } from '../../broker/service-passwords.js'
import { cmdTopic, statusTopic } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { eventually } from '../helpers/system.js'

let tb: TestBroker | undefined
const clients: MqttClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await tb?.stop()
  tb = undefined
})

let acl: Acl
beforeAll(async () => {
  acl = createAcl({
    users: [
      {
        username: 'watch',
        password: await hashServicePassword('watch-password-1'),
        role: 'dashboard',
        rules: [],
      },
    ],
  })
})

async function connect(options: IClientOptions) {
  const c = await mqtt.connectAsync((tb as TestBroker).url, { reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}
async function watcher() {
  const c = await connect({ clientId: 'watcher', username: 'watch', password: 'watch-password-1' })
  const statuses: Array<{ topic: string; state: string; reason?: string; retain: boolean }> = []
  c.on('message', (topic, payload, packet) =>
    statuses.push({ topic, ...JSON.parse(payload.toString()), retain: packet.retain }),
  )
  await c.subscribeAsync('v1/devices/+/status', { qos: 1 })
  return { c, statuses }
}
const device = (id: string, password: string, extra: IClientOptions = {}) =>
  connect({ clientId: id, username: id, password, ...extra })

describe('device presence on v1/devices/{id}/status', () => {
  it('publishes online on connect and offline when a device without a will drops or disconnects', async () => {
    tb = await startTestBroker({ acl })
    const pw = tb.addDevice('paddy-1')
    const { statuses } = await watcher()
    const first = await device('paddy-1', pw)
    await eventually(() => statuses.length === 1, 5000, 'online')
    first.stream.destroy() // the uplink drops
    await eventually(() => statuses.length === 2, 5000, 'offline')
    const second = await device('paddy-1', pw)
    await eventually(() => statuses.length === 3, 5000, 'online again')
    await second.endAsync() // a clean DISCONNECT: the device is gone too
    await eventually(() => statuses.length === 4, 5000, 'offline again')
    expect(statuses.map((s) => [s.state, s.reason])).toEqual([
      ['online', undefined],
      ['offline', 'connection lost'],
      ['online', undefined],
      ['offline', 'disconnected'],
    ])
    // retained: a late subscriber sees the last state
    const late = await connect({ clientId: 'late', username: 'watch', password: 'watch-password-1' })
    const got = new Promise<string>((resolve) => late.once('message', (_t, p) => resolve(p.toString())))
    await late.subscribeAsync(statusTopic('paddy-1'), { qos: 1 })
    expect(JSON.parse(await got)).toMatchObject({ state: 'offline' })
  })

  it("leaves offline to the device's own will, and keeps online when the device took over its own session", async () => {
    tb = await startTestBroker({ acl })
    const pw = tb.addDevice('res-1')
    const { statuses } = await watcher()
    const will = {
      topic: statusTopic('res-1'),
      payload: Buffer.from('{"state":"offline","reason":"lwt"}'),
      qos: 1 as const,
      retain: true,
    }
    const old = await device('res-1', pw, { will })
    await eventually(() => statuses.length === 1, 5000, 'online')
    // the same device reconnects on a new uplink before the old TCP connection timed out
    const oldClosed = new Promise<void>((resolve) => old.once('close', () => resolve()))
    const fresh = await device('res-1', pw, { will })
    await oldClosed
    await eventually(() => statuses.length >= 2, 5000, 'the second online')
    await new Promise((r) => setTimeout(r, 300))
    expect(statuses.map((s) => s.state)).toEqual(['online', 'online'])
    expect(await tb.metric('mimamori_mqtt_disconnects_total', { reason: 'taken_over' })).toBe(1)
    expect(await tb.metric('mimamori_mqtt_dropped_total', { reason: 'stale_will' })).toBe(1)
    fresh.stream.destroy()
    await eventually(() => statuses.length === 3, 5000, 'the will')
    expect(statuses[2]).toMatchObject({ state: 'offline', reason: 'lwt', retain: false })
  })

  it('keeps a connected device and its queued commands when its id is tried with bad credentials', async () => {
    tb = await startTestBroker({ acl })
    const pw = tb.addDevice('rail-1')
    tb.addDevice('rail-2')
    const victim = await device('rail-1', pw, { clean: false })
    const commands: string[] = []
    victim.on('message', (_t, p) => commands.push(p.toString()))
    await victim.subscribeAsync(cmdTopic('rail-1'), { qos: 1 })
    const attempt = (options: IClientOptions) =>
      mqtt.connectAsync((tb as TestBroker).url, { reconnectPeriod: 0, ...options }).then(
        () => 0,
        (err: Error & { code?: number }) => err.code,
      )
    expect(await attempt({ clientId: 'rail-1', username: 'rail-1', password: 'wrong' })).toBe(4)
    expect(await attempt({ clientId: 'rail-1', username: 'rail-2', password: 'wrong' })).toBe(4)
    expect(await attempt({ clientId: 'rail-1', username: 'watch', password: 'watch-password-1' })).toBe(2)
    expect(victim.connected).toBe(true)
    const ops = await connect({ clientId: 'ops', username: 'watch', password: 'watch-password-1' })
    await ops.publishAsync(cmdTopic('rail-1'), '{"interval_s":30}', { qos: 1 })
    await eventually(() => commands.length === 1, 5000, 'the command')
  })

  it('refuses a will on a topic the device may not publish, and acknowledges but never retains a bad status', async () => {
    tb = await startTestBroker({ acl })
    const pw = tb.addDevice('paddy-2')
    const refused = await mqtt
      .connectAsync(tb.url, {
        clientId: 'paddy-2',
        username: 'paddy-2',
        password: pw,
        reconnectPeriod: 0,
        will: {
          topic: statusTopic('paddy-3'),
          payload: Buffer.from('{"state":"offline"}'),
          qos: 1,
          retain: true,
        },
      })
      .then(
        () => 0,
        (err: Error & { code?: number }) => err.code,
      )
    expect(refused).toBe(5)
    expect(await tb.metric('mimamori_mqtt_auth_failures_total', { reason: 'will_denied' })).toBe(1)
    const d = await device('paddy-2', pw)
    await d.publishAsync(statusTopic('paddy-2'), '{"state":"sleeping"}', { qos: 1, retain: true })
    expect(tb.refusals.map((r) => r.reason)).toEqual(['schema'])
    const { statuses } = await watcher()
    await eventually(() => statuses.length === 1, 5000, 'the retained status')
    await new Promise((r) => setTimeout(r, 200))
    expect(statuses.map((s) => s.state)).toEqual(['online'])
  })
})

describe('persistence across a broker restart', () => {
  it('keeps retained messages, persistent sessions and their queued QoS 1 messages', async () => {
    tb = await startTestBroker({ acl, env: { MQTT_ALLOW_ANONYMOUS: 'true' } })
    const { dataDir, devices } = tb
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true })) // the second broker is given it: not its own to remove
    const pw = tb.addDevice('res-9')
    const sub = await connect({ clientId: 'archiver', clean: false })
    await sub.subscribeAsync('city/#', { qos: 1 })
    await sub.endAsync()
    const pub = await connect({ clientId: 'pub' })
    await pub.publishAsync('city/notice', 'keep me', { qos: 1, retain: true })
    for (const n of [1, 2, 3]) await pub.publishAsync('city/queue', `q${n}`, { qos: 1 })
    const d = await device('res-9', pw)
    await d.publishAsync(statusTopic('res-9'), '{"state":"online","fw":"2.1.0"}', { qos: 1, retain: true })
    await Promise.all(clients.splice(0).map((c) => c.endAsync()))
    await tb.stop({ keepData: true })

    tb = await startTestBroker({ acl, dataDir, devices, env: { MQTT_ALLOW_ANONYMOUS: 'true' } })
    expect(await tb.metric('mimamori_mqtt_persistent_sessions')).toBe(1)
    const back = mqtt.connect(tb.url, { clientId: 'archiver', clean: false, reconnectPeriod: 0 })
    clients.push(back)
    const got: string[] = []
    back.on('message', (topic, payload) => got.push(`${topic} ${payload}`))
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', resolve))
    expect(connack.sessionPresent).toBe(true)
    await eventually(() => got.length === 4, 5000, 'queued messages')
    // the retained notice was queued for the session too when it was published
    expect(got).toEqual(['city/notice keep me', 'city/queue q1', 'city/queue q2', 'city/queue q3'])
    const { statuses } = await watcher()
    await eventually(() => statuses.length === 1, 5000, 'the retained status')
    expect(statuses[0]).toMatchObject({ topic: statusTopic('res-9'), state: 'offline', retain: true })
    const fresh = await connect({ clientId: 'fresh' })
    const retained = new Promise<string>((resolve) => fresh.once('message', (_t, p) => resolve(p.toString())))
    await fresh.subscribeAsync('city/notice', { qos: 1 })
    expect(await retained).toBe('keep me')
  })
})
