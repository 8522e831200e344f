/**
 * MQTT 3.1.1 behaviour of the broker for any standard client (MQTT.js here; mosquitto clients in
 * broker-mosquitto.test.ts), against the real broker over real sockets.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { connectPacket, rawConnect } from '../helpers/mqtt-raw.js'
import { eventually } from '../helpers/system.js'

let tb: TestBroker | undefined
const clients: MqttClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await tb?.stop()
  tb = undefined
})

async function start(env: Record<string, string> = {}) {
  tb = await startTestBroker({ env: { MQTT_ALLOW_ANONYMOUS: 'true', ...env } })
  return tb
}

async function client(clientId: string, options: IClientOptions = {}) {
  const c = await mqtt.connectAsync((tb as TestBroker).url, { clientId, reconnectPeriod: 0, ...options })
  clients.push(c)
  return c
}

interface Received {
  topic: string
  payload: string
  qos: number
  retain: boolean
}
function collect(c: MqttClient): Received[] {
  const received: Received[] = []
  c.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
  )
  return received
}

describe('MQTT 3.1.1 behaviour for standard clients', () => {
  it('delivers QoS 0, 1 and 2 at the lower of published and granted QoS', async () => {
    await start()
    const sub = await client('sub')
    const got = collect(sub)
    await sub.subscribeAsync({ 'q/two': { qos: 2 }, 'q/one/+': { qos: 1 } })
    const pub = await client('pub')
    await pub.publishAsync('q/two', 'a', { qos: 0 })
    await pub.publishAsync('q/two', 'b', { qos: 1 })
    await pub.publishAsync('q/two', 'c', { qos: 2 })
    // MQTT-3.8.4-6: a QoS 2 publish reaches a QoS 1 wildcard subscription at QoS 1
    await pub.publishAsync('q/one/x', 'd', { qos: 2 })
    await eventually(() => got.length === 4, 5000, 'four messages')
    expect(got.map((m) => [m.payload, m.qos])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 1],
    ])
    expect(await tb?.metric('mimamori_mqtt_messages_in_total', { qos: '2' })).toBe(2)
    expect(await tb?.metric('mimamori_mqtt_messages_out_total', { qos: '1' })).toBe(2)
  })

  it('sends one copy at the highest QoS for overlapping subscriptions', async () => {
    await start()
    const sub = await client('overlap')
    const got = collect(sub)
    await sub.subscribeAsync({ 'TopicA/#': { qos: 2 }, 'TopicA/+': { qos: 1 } })
    const pub = await client('pub')
    await pub.publishAsync('TopicA/C', 'x', { qos: 2 })
    await eventually(() => got.length >= 1, 5000, 'the message')
    await new Promise((r) => setTimeout(r, 200))
    expect(got).toEqual([{ topic: 'TopicA/C', payload: 'x', qos: 2, retain: false }])
  })

  it('keeps the last retained message per topic, sends it to new subscribers, and clears it with an empty payload', async () => {
    await start()
    const pub = await client('pub')
    await pub.publishAsync('r/a', 'old', { qos: 1, retain: true })
    await pub.publishAsync('r/a', 'new', { qos: 1, retain: true })
    await pub.publishAsync('r/b', 'b', { qos: 0, retain: true })
    await pub.publishAsync('sync', '', { qos: 1 }) // the QoS 0 publish before it is done too
    const sub = await client('sub')
    const got = collect(sub)
    await sub.subscribeAsync('r/+', { qos: 1 })
    await eventually(() => got.length === 2, 5000, 'retained messages')
    expect(got.map((m) => [m.topic, m.payload, m.retain]).sort()).toEqual([
      ['r/a', 'new', true],
      ['r/b', 'b', true],
    ])
    // a live message to an existing subscription is not flagged retained (MQTT-3.3.1-9)
    await pub.publishAsync('r/a', 'live', { qos: 1, retain: true })
    await eventually(() => got.length === 3, 5000, 'live message')
    expect(got[2]).toMatchObject({ payload: 'live', retain: false })
    await pub.publishAsync('r/a', '', { qos: 1, retain: true })
    const late = await client('late')
    const lateGot = collect(late)
    await late.subscribeAsync('r/#', { qos: 1 })
    await eventually(() => lateGot.length === 1, 5000, 'remaining retained')
    await new Promise((r) => setTimeout(r, 200))
    expect(lateGot.map((m) => m.topic)).toEqual(['r/b'])
    expect(await tb?.metric('mimamori_mqtt_retained_messages')).toBe(1)
  })

  it('queues QoS 1 for an offline persistent session, up to MQTT_MAX_QUEUED, and forgets a clean one', async () => {
    await start({ MQTT_MAX_QUEUED: '3' })
    const first = await client('persist', { clean: false })
    await first.subscribeAsync('s/+', { qos: 1 })
    await first.endAsync()
    const pub = await client('pub')
    for (let i = 1; i <= 5; i++) await pub.publishAsync('s/x', `m${i}`, { qos: 1 })
    await pub.publishAsync('s/x', 'qos0', { qos: 0 })
    expect(await tb?.metric('mimamori_mqtt_dropped_total', { reason: 'queue_full' })).toBe(2)

    const again = mqtt.connect((tb as TestBroker).url, {
      clientId: 'persist',
      clean: false,
      reconnectPeriod: 0,
    })
    clients.push(again)
    const got = collect(again)
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) =>
      again.once('connect', resolve),
    )
    expect(connack.sessionPresent).toBe(true)
    await eventually(() => got.length === 3, 5000, 'queued messages')
    expect(got.map((m) => m.payload)).toEqual(['m1', 'm2', 'm3'])

    const clean = await client('persist', { clean: true })
    const cleanConnack = await new Promise<boolean>((resolve) => resolve(clean.connected))
    expect(cleanConnack).toBe(true)
    await clean.endAsync()
    const after = mqtt.connect((tb as TestBroker).url, {
      clientId: 'persist',
      clean: false,
      reconnectPeriod: 0,
    })
    clients.push(after)
    const afterConnack = await new Promise<{ sessionPresent: boolean }>((resolve) =>
      after.once('connect', resolve),
    )
    expect(afterConnack.sessionPresent).toBe(false)
  })

  it('publishes the will when a client drops, but not after a clean DISCONNECT', async () => {
    await start()
    const watcher = await client('watcher')
    const got = collect(watcher)
    await watcher.subscribeAsync('wills/#', { qos: 1 })
    const will = { topic: 'wills/a', payload: Buffer.from('gone'), qos: 1 as const, retain: false }
    const dropper = await client('dropper', { will })
    const polite = await client('polite', { will: { ...will, topic: 'wills/b' } })
    await polite.endAsync()
    dropper.stream.destroy()
    await eventually(() => got.length === 1, 5000, 'the will')
    await new Promise((r) => setTimeout(r, 200))
    expect(got).toEqual([{ topic: 'wills/a', payload: 'gone', qos: 1, retain: false }])
  })

  it('answers CONNACK 2 to an empty client id with a persistent session, and accepts it with a clean one', async () => {
    await start()
    const raw = await rawConnect((tb as TestBroker).broker.port)
    // mqtt-packet refuses to generate this CONNECT, so here are its bytes (CleanSession=0, client id '')
    raw.send(Buffer.from('100c00044d5154540400003c0000', 'hex'))
    expect(await raw.next()).toMatchObject({ cmd: 'connack', returnCode: 2 })
    await raw.closed
    const ok = await rawConnect((tb as TestBroker).broker.port)
    ok.send(connectPacket({ clientId: '', clean: true }))
    expect(await ok.next()).toMatchObject({ cmd: 'connack', returnCode: 0, sessionPresent: false })
    ok.end()
  })

  it('closes a client that stays silent past 1.5 × its keepalive, and enforces the keepalive limit on keepalive 0', async () => {
    await start({ MQTT_KEEPALIVE_MAX_S: '1' })
    const watcher = await client('watcher', { keepalive: 1 })
    const got = collect(watcher)
    await watcher.subscribeAsync('ka/#', { qos: 1 })
    const silent = await rawConnect((tb as TestBroker).broker.port)
    silent.send(
      connectPacket({
        clientId: 'silent',
        keepalive: 0,
        will: { topic: 'ka/silent', payload: Buffer.from('timeout'), qos: 1, retain: false },
      }),
    )
    expect(await silent.next()).toMatchObject({ cmd: 'connack', returnCode: 0 })
    const started = Date.now()
    await silent.closed
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    await eventually(() => got.length === 1, 5000, 'the will after the keepalive timeout')
    expect(await tb?.metric('mimamori_mqtt_disconnects_total', { reason: 'keepalive_timeout' })).toBe(1)
  })

  it('keeps $SYS to itself: no $SYS subscription or publish for clients, and # does not match $SYS', async () => {
    await start()
    const victim = await client('victim')
    const spy = await client('spy')
    const got = collect(spy)
    const suback = await new Promise<{ granted?: number[] } | undefined>((resolve) =>
      spy.subscribe(['$SYS/#', '#'], { qos: 0 }, (_e, _g, packet) =>
        resolve(packet as { granted?: number[] }),
      ),
    )
    expect(suback?.granted).toEqual([128, 0])
    await client('someone-new') // aedes announces new clients on $SYS/<id>/new/clients
    const attacker = await client('attacker')
    const closed = new Promise<void>((resolve) => attacker.once('close', () => resolve()))
    attacker.publish('$SYS/x/new/clients', 'victim', { qos: 1 })
    await closed
    await new Promise((r) => setTimeout(r, 200))
    expect(victim.connected).toBe(true)
    expect(got.filter((m) => m.topic.startsWith('$'))).toEqual([])
  })
})
