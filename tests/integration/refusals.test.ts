import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cmdTopic, telemetryTopic } from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
const clients: MqttClient[] = []

beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await sys.stop()
})

const connect = async (id: string, password: string, clientId = id) => {
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  clients.push(client)
  return client
}

interface DeadLetterBody {
  deadLetters: Array<{ deviceId: string; topic: string; reason: string; detail: string; payload: string }>
}

describe('refusals are answered, counted and stored nowhere but the dead-letter table', () => {
  it('refuses a wrong password with CONNACK 4 and counts it', async () => {
    await sys.provisionDevice('paddy-a', 'paddy')
    const error = await mqtt
      .connectAsync(sys.mqttUrl, {
        clientId: 'paddy-a',
        username: 'paddy-a',
        password: 'guess',
        reconnectPeriod: 0,
      })
      .then(
        () => undefined,
        (err: Error & { code?: number }) => err,
      )
    expect(error?.code).toBe(4)
    expect(await sys.metric('mimamori_mqtt_auth_failures_total', { reason: 'bad_password' })).toBe(1)

    const unknown = await mqtt
      .connectAsync(sys.mqttUrl, { clientId: 'ghost', username: 'ghost', password: 'x', reconnectPeriod: 0 })
      .then(
        () => undefined,
        (err: Error & { code?: number }) => err,
      )
    expect(unknown?.code).toBe(4)
    expect(await sys.metric('mimamori_mqtt_auth_failures_total', { reason: 'unknown_device' })).toBe(1)
  })

  it('refuses a client id that is not the device id (no session takeover)', async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    const error = await mqtt
      .connectAsync(sys.mqttUrl, { clientId: 'paddy-b', username: 'paddy-a', password, reconnectPeriod: 0 })
      .then(
        () => undefined,
        (err: Error & { code?: number }) => err,
      )
    expect(error?.code).toBe(5)
  })

  it('disconnects a device publishing on a foreign topic and stores nothing for it', async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    await sys.provisionDevice('paddy-b', 'paddy')
    const client = await connect('paddy-a', password)
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    client.publish(
      telemetryTopic('paddy-b'),
      JSON.stringify({ ts: Date.now(), seq: 1, m: { water_depth_cm: 5 } }),
      { qos: 1 },
    )
    await closed
    expect(await sys.metric('mimamori_mqtt_refused_total', { reason: 'acl' })).toBe(1)
    expect(await sys.metric('mimamori_ingest_messages_total', { result: 'rejected', reason: 'acl' })).toBe(1)
    expect(await sys.system.readings.count()).toBe(0)
    const letters = await eventually(async () => {
      const res = await sys.api<DeadLetterBody>('GET', '/dead-letters')
      return res.body.deadLetters.length > 0 && res.body
    })
    expect(letters.deadLetters[0]).toMatchObject({
      deviceId: 'paddy-a',
      topic: telemetryTopic('paddy-b'),
      reason: 'acl',
    })
  })

  it('acknowledges a malformed payload, dead-letters it with its reason and stores no reading', async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    const client = await connect('paddy-a', password)
    await client.publishAsync(telemetryTopic('paddy-a'), '{"ts": 1782864000000, "seq": 1, "m": {', { qos: 1 })
    await client.publishAsync(
      telemetryTopic('paddy-a'),
      JSON.stringify({ ts: Date.now(), m: { water_depth_cm: 5 } }),
      { qos: 1 },
    )
    await client.publishAsync(
      telemetryTopic('paddy-a'),
      JSON.stringify({ ts: Date.now(), seq: 2, m: { water_depth_cm: 900 } }),
      { qos: 1 },
    )
    expect(client.connected).toBe(true)
    expect(await sys.system.readings.count()).toBe(0)
    expect(
      await sys.metric('mimamori_ingest_messages_total', { result: 'rejected', reason: 'bad_json' }),
    ).toBe(1)
    expect(await sys.metric('mimamori_ingest_messages_total', { result: 'rejected', reason: 'schema' })).toBe(
      1,
    )
    expect(
      await sys.metric('mimamori_ingest_messages_total', { result: 'rejected', reason: 'out_of_range' }),
    ).toBe(1)
    const res = await eventually(async () => {
      const r = await sys.api<DeadLetterBody>('GET', '/dead-letters')
      return r.body.deadLetters.length === 3 && r.body
    })
    expect(res.deadLetters.map((d) => d.reason).sort()).toEqual(['bad_json', 'out_of_range', 'schema'])
    expect(res.deadLetters.find((d) => d.reason === 'bad_json')?.payload).toBe(
      '{"ts": 1782864000000, "seq": 1, "m": {',
    )
    expect(res.deadLetters.find((d) => d.reason === 'schema')?.detail).toMatch(/seq/)

    const metricsText = await (await fetch(`${sys.httpUrl}/metrics`)).text()
    expect(metricsText).toContain('mimamori_ingest_messages_total{result="rejected",reason="bad_json"} 1')
  })

  it('refuses an oversize telemetry payload', async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    const client = await connect('paddy-a', password)
    await client.publishAsync(telemetryTopic('paddy-a'), 'x'.repeat(17 * 1024), { qos: 1 })
    expect(
      await sys.metric('mimamori_ingest_messages_total', { result: 'rejected', reason: 'oversize' }),
    ).toBe(1)
    expect(await sys.system.readings.count()).toBe(0)
  })

  it("answers SUBACK 0x80 for a subscription outside the device's own cmd topic", async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    const client = await connect('paddy-a', password)
    // mqtt.js reports a 0x80 grant as an error that carries the SUBACK packet
    const suback = await new Promise<{ granted?: number[] } | undefined>((resolve) =>
      client.subscribe(
        [cmdTopic('paddy-a'), cmdTopic('paddy-b'), 'v1/devices/#'],
        { qos: 1 },
        (_err, _subs, packet) => resolve(packet as { granted?: number[] } | undefined),
      ),
    )
    expect(suback?.granted).toEqual([1, 128, 128])
    expect(client.connected).toBe(true)
  })

  it('disconnects a device at once when it is removed', async () => {
    const password = await sys.provisionDevice('paddy-a', 'paddy')
    const client = await connect('paddy-a', password)
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    expect((await sys.api('DELETE', '/devices/paddy-a')).status).toBe(204)
    await closed
    const again = await mqtt
      .connectAsync(sys.mqttUrl, { clientId: 'paddy-a', username: 'paddy-a', password, reconnectPeriod: 0 })
      .then(
        () => undefined,
        (err: Error & { code?: number }) => err,
      )
    expect(again?.code).toBe(4)
  })
})
