/**
 * A device's own telemetry taken from the socket without aedes (broker/direct-telemetry.ts),
 * against the real broker: stored and acknowledged, forwarded through aedes as soon as someone may
 * receive it (live or from the session journal after a restart), and the device's keepalive kept.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hashServicePassword } from '../../broker/service-passwords.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { eventually } from '../helpers/system.js'

let tb: TestBroker | undefined
const clients: MqttClient[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await tb?.stop()
  tb = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

let aclPath: string
afterAll(() => rmSync(dirname(aclPath), { recursive: true, force: true }))
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-direct-'))
  aclPath = join(dir, 'acl.json')
  writeFileSync(
    aclPath,
    JSON.stringify({
      users: [
        { username: 'archive', password: await hashServicePassword('archive-password-1'), role: 'ingest' },
      ],
    }),
  )
})

async function client(options: IClientOptions) {
  const c = await mqtt.connectAsync((tb as TestBroker).url, { reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}
const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, m: { water_depth_cm: seq } })

/** Messages aedes itself publishes on `topic` (the direct path publishes none). */
function aedesPublishes(t: TestBroker, topic: string) {
  const seen: string[] = []
  t.broker.aedes.on('publish', (packet) => {
    if (packet.topic === topic) seen.push(packet.payload.toString())
  })
  return seen
}

describe('direct telemetry', () => {
  it('stores and acknowledges without aedes while no one may receive it, and forwards once someone subscribes', async () => {
    tb = await startTestBroker({ env: { MQTT_ACL_FILE: aclPath } })
    const topic = telemetryTopic('p-1')
    const viaAedes = aedesPublishes(tb, topic)
    const device = await client({ clientId: 'p-1', username: 'p-1', password: tb.addDevice('p-1') })
    await device.publishAsync(topic, reading(1), { qos: 1 })
    await device.publishAsync(topic, reading(2), { qos: 0 })
    await eventually(() => (tb as TestBroker).telemetry.length === 2, 5000, 'both readings at ingest')
    expect(viaAedes).toEqual([])
    expect(await tb.metric('mimamori_mqtt_messages_in_total', { qos: '1' })).toBe(1)
    expect(await tb.metric('mimamori_mqtt_messages_in_total', { qos: '0' })).toBe(1)
    expect(await tb.metric('mimamori_mqtt_messages_total', { channel: 'telemetry' })).toBe(2)

    const archive = await client({
      clientId: 'archive-1',
      username: 'archive',
      password: 'archive-password-1',
    })
    const got: string[] = []
    archive.on('message', (_t, payload) => got.push(payload.toString()))
    await archive.subscribeAsync('v1/devices/+/telemetry', { qos: 1 })
    await device.publishAsync(topic, reading(3), { qos: 1 })
    await eventually(() => got.length === 1, 5000, 'the subscriber got the reading')
    expect(JSON.parse(got[0] as string).seq).toBe(3)
    expect(viaAedes).toHaveLength(1)
    expect(tb.telemetry).toHaveLength(3)
  })

  it('reports the messages taken and not stored yet, and acknowledges them once stored', async () => {
    let release = () => {}
    const storeGate = new Promise<void>((resolve) => {
      release = resolve
    })
    tb = await startTestBroker({ storeGate })
    const topic = telemetryTopic('p-9')
    const device = await client({ clientId: 'p-9', username: 'p-9', password: tb.addDevice('p-9') })
    const acked = Promise.all([1, 2, 3].map((seq) => device.publishAsync(topic, reading(seq), { qos: 1 })))
    await eventually(
      async () => (await (tb as TestBroker).metric('mimamori_mqtt_direct_in_flight')) === 3,
      5000,
      'three messages in flight',
    )
    expect(tb.telemetry).toHaveLength(0)
    release()
    await acked
    expect(tb.telemetry).toHaveLength(3)
    expect(await tb.metric('mimamori_mqtt_direct_in_flight')).toBe(0)
    expect(await tb.metric('mimamori_mqtt_direct_waiting_connections')).toBe(0)
  })

  it('forwards to a persistent session restored from the journal after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mimamori-direct-data-'))
    dirs.push(dataDir)
    const env = { MQTT_ACL_FILE: aclPath }
    tb = await startTestBroker({ env, dataDir })
    const password = tb.addDevice('p-2')
    const archive = await client({
      clientId: 'archive-2',
      username: 'archive',
      password: 'archive-password-1',
      clean: false,
    })
    await archive.subscribeAsync(telemetryTopic('p-2'), { qos: 1 })
    await archive.endAsync()
    const devices = tb.devices
    await tb.stop({ keepData: true })

    tb = await startTestBroker({ env, dataDir, devices })
    const device = await client({ clientId: 'p-2', username: 'p-2', password })
    await device.publishAsync(telemetryTopic('p-2'), reading(1), { qos: 1 })
    // the archive is offline: aedes queued the reading for its session
    const back = await client({
      clientId: 'archive-2',
      username: 'archive',
      password: 'archive-password-1',
      clean: false,
    })
    const got: string[] = []
    back.on('message', (_t, payload) => got.push(payload.toString()))
    await eventually(() => got.length === 1, 5000, 'the queued reading')
    expect(JSON.parse(got[0] as string).seq).toBe(1)
  })

  it('keeps a device connected that sends only telemetry, past its keepalive', async () => {
    tb = await startTestBroker()
    const device = await client({
      clientId: 'p-3',
      username: 'p-3',
      password: tb.addDevice('p-3'),
      keepalive: 1,
    })
    let closed = false
    device.on('close', () => {
      closed = true
    })
    // mqtt.js sends no PINGREQ while it publishes; aedes would drop it 1.5 s after the last packet it saw
    for (let seq = 1; seq <= 10 && !closed; seq++) {
      await device.publishAsync(telemetryTopic('p-3'), reading(seq), { qos: 1 })
      await new Promise((r) => setTimeout(r, 300))
    }
    expect(closed).toBe(false)
    expect(tb.telemetry).toHaveLength(10)
    expect(await tb.metric('mimamori_mqtt_disconnects_total', { reason: 'keepalive_timeout' })).toBe(0)
  })
})
