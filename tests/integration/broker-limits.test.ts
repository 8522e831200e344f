/**
 * Limits and abuse resistance (RELIABILITY.md items 19-29, shortened): each misbehaving client is
 * disconnected or refused with a counted reason while a well-behaved client keeps being served.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { connectPacket, type RawClient, rawConnect } from '../helpers/mqtt-raw.js'
import { eventually } from '../helpers/system.js'

let tb: TestBroker | undefined
const clients: MqttClient[] = []
const raws: RawClient[] = []
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.end()
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await tb?.stop()
  tb = undefined
})

async function start(env: Record<string, string>) {
  tb = await startTestBroker({ env: { MQTT_ALLOW_ANONYMOUS: 'true', ...env } })
  return tb
}
async function raw(clientId?: string) {
  const r = await rawConnect((tb as TestBroker).broker.port)
  raws.push(r)
  if (clientId) {
    r.send(connectPacket({ clientId }))
    expect(await r.next()).toMatchObject({ cmd: 'connack', returnCode: 0 })
  }
  return r
}
async function bystander() {
  const c = await mqtt.connectAsync((tb as TestBroker).url, { clientId: 'bystander', reconnectPeriod: 0 })
  clients.push(c)
  return c
}
/** The bystander still gets a QoS 1 round trip through the broker. */
async function stillServed(c: MqttClient) {
  await c.subscribeAsync('alive', { qos: 1 })
  const got = new Promise<string>((resolve) => c.once('message', (_t, p) => resolve(p.toString())))
  await c.publishAsync('alive', 'yes', { qos: 1 })
  expect(await got).toBe('yes')
}
const granted = (c: MqttClient, filters: string[]) =>
  new Promise<number[] | undefined>((resolve) =>
    c.subscribe(filters, { qos: 1 }, (_e, _g, packet) =>
      resolve((packet as { granted?: number[] })?.granted),
    ),
  )

describe('packet size guard (before aedes parses)', () => {
  it('closes at once on a declared size beyond any cap, and on a 5-byte remaining length', async () => {
    await start({})
    const ok = await bystander()
    const huge = await raw('huge')
    huge.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])) // PUBLISH of 256 MB, then nothing
    await huge.closed
    const before = await raw()
    before.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])) // a 256 MB CONNECT as first packet
    await before.closed
    const varint = await raw('varint')
    varint.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))
    await varint.closed
    expect(await tb?.metric('mimamori_mqtt_refused_total', { reason: 'packet_too_large' })).toBe(2)
    expect(await tb?.metric('mimamori_mqtt_refused_total', { reason: 'malformed_length' })).toBe(1)
    await stillServed(ok)
  })

  it('cuts an oversize device payload to cap + 1 bytes, dead-letters and acknowledges it', async () => {
    await start({ MQTT_MAX_TELEMETRY_BYTES: '1024', MQTT_MAX_IMAGE_BYTES: '4096' })
    const password = (tb as TestBroker).addDevice('paddy-1')
    const device = await mqtt.connectAsync((tb as TestBroker).url, {
      clientId: 'paddy-1',
      username: 'paddy-1',
      password,
      reconnectPeriod: 0,
    })
    clients.push(device)
    await device.publishAsync(telemetryTopic('paddy-1'), Buffer.alloc(4000, 0x7b), { qos: 1 })
    await device.publishAsync('v1/devices/paddy-1/image/1782864000000', Buffer.alloc(6000, 0xff), { qos: 1 })
    expect(device.connected).toBe(true)
    const refusals = (tb as TestBroker).refusals
    expect(refusals.map((r) => [r.reason, r.detail, r.payload.length])).toEqual([
      ['oversize', '4000 bytes > 1024', 1025],
      ['oversize', '6000 bytes > 4096', 4097],
    ])
    // a reading after it goes through as usual
    await device.publishAsync(telemetryTopic('paddy-1'), JSON.stringify({ ts: Date.now(), seq: 1, m: {} }), {
      qos: 1,
    })
    expect((tb as TestBroker).telemetry).toHaveLength(1)
    // beyond 4 × the image cap (+ topic), the connection goes at once
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()))
    device.publish(telemetryTopic('paddy-1'), Buffer.alloc(100_000), { qos: 1 })
    await closed
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'packet_too_large' })).toBe(1)
  })

  it('closes a plain-topic publisher whose payload is over the telemetry cap', async () => {
    await start({ MQTT_MAX_TELEMETRY_BYTES: '1024' })
    const ok = await bystander()
    const big = await mqtt.connectAsync((tb as TestBroker).url, { clientId: 'big', reconnectPeriod: 0 })
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()))
    big.publish('city/blob', Buffer.alloc(50_000), { qos: 0 })
    await closed
    await big.endAsync(true)
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'payload_too_large' })).toBe(1)
    await stillServed(ok)
  })
})

describe('connection limits', () => {
  it('refuses sockets beyond MQTT_MAX_CONNECTIONS and beyond the per-IP connection rate', async () => {
    await start({
      MQTT_MAX_CONNECTIONS: '3',
      MQTT_CONN_RATE_EXEMPT: '',
      MQTT_CONN_RATE_PER_IP: '0.001',
      MQTT_CONN_BURST_PER_IP: '3',
    })
    const held = [await raw('a'), await raw('b'), await raw('c')]
    const fourth = await raw()
    await fourth.closed
    expect(await tb?.metric('mimamori_mqtt_connections_refused_total', { reason: 'max_connections' })).toBe(1)
    held[0]?.end()
    await eventually(
      async () => (await tb?.metric('mimamori_mqtt_sockets', { listener: 'tcp' })) === 2,
      5000,
      'a free slot',
    )
    const fifth = await raw() // the burst of 3 is spent: no token for a fifth connection
    await fifth.closed
    expect(await tb?.metric('mimamori_mqtt_connections_refused_total', { reason: 'rate_limited' })).toBe(1)
  })

  it('throttles repeated bad passwords per IP and per username', async () => {
    await start({ MQTT_AUTH_FAIL_MAX_PER_IP: '3', MQTT_AUTH_FAIL_MAX_PER_USER: '0' })
    const password = (tb as TestBroker).addDevice('rail-1')
    const attempt = (pw: string) =>
      mqtt
        .connectAsync((tb as TestBroker).url, {
          clientId: 'rail-1',
          username: 'rail-1',
          password: pw,
          reconnectPeriod: 0,
        })
        .then(
          async (c) => {
            await c.endAsync()
            return 0
          },
          (err: Error & { code?: number }) => err.code,
        )
    expect([await attempt('a'), await attempt('b'), await attempt('c')]).toEqual([4, 4, 4])
    // locked for the window: even the right password is refused without being checked
    expect(await attempt(password)).toBe(5)
    expect(await tb?.metric('mimamori_mqtt_auth_failures_total', { reason: 'throttled_ip' })).toBe(1)
    await tb?.stop()

    await start({ MQTT_AUTH_FAIL_MAX_PER_IP: '0', MQTT_AUTH_FAIL_MAX_PER_USER: '2' })
    const again = (tb as TestBroker).addDevice('rail-1')
    expect([await attempt('a'), await attempt('b'), await attempt(again)]).toEqual([4, 4, 5])
    expect(await tb?.metric('mimamori_mqtt_auth_failures_total', { reason: 'throttled_user' })).toBe(1)
  })
})

describe('per-client limits', () => {
  it('caps subscriptions, topic length and inbound QoS 2 awaiting PUBREL', async () => {
    await start({ MQTT_MAX_SUBSCRIPTIONS: '2', MQTT_MAX_TOPIC_BYTES: '64', MQTT_MAX_INFLIGHT_IN: '2' })
    const ok = await bystander()
    const subscriber = await mqtt.connectAsync((tb as TestBroker).url, {
      clientId: 'subs',
      reconnectPeriod: 0,
    })
    clients.push(subscriber)
    expect(await granted(subscriber, ['a/1', 'a/2', 'a/3', `long/${'x'.repeat(80)}`])).toEqual([
      1, 1, 128, 128,
    ])
    const qos2 = await raw('qos2')
    for (const messageId of [1, 2, 3]) {
      qos2.send({
        cmd: 'publish',
        topic: 'q',
        payload: Buffer.from('x'),
        qos: 2,
        messageId,
        retain: false,
        dup: false,
      })
    }
    await qos2.closed
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'inflight_limit' })).toBe(1)
    const longTopic = await raw('long')
    longTopic.send({
      cmd: 'publish',
      topic: `t/${'y'.repeat(100)}`,
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
    })
    await longTopic.closed
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'topic_too_long' })).toBe(1)
    await stillServed(ok)
  })

  it('caps retained messages: a new retained topic beyond MQTT_MAX_RETAINED disconnects its publisher', async () => {
    await start({ MQTT_MAX_RETAINED: '2' })
    const pub = await mqtt.connectAsync((tb as TestBroker).url, { clientId: 'ret', reconnectPeriod: 0 })
    clients.push(pub)
    await pub.publishAsync('r/1', 'a', { qos: 1, retain: true })
    await pub.publishAsync('r/2', 'b', { qos: 1, retain: true })
    await pub.publishAsync('r/2', 'c', { qos: 1, retain: true }) // replacing one is fine
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()))
    pub.publish('r/3', 'd', { qos: 1, retain: true })
    await closed
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'retained_cap' })).toBe(1)
    expect(await tb?.metric('mimamori_mqtt_retained_messages')).toBe(2)
  })
})
