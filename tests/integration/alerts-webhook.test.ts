import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { verifyWebhook } from '../../ingest/alerts/notifiers/webhook.js'
import { type HttpReceiver, startHttpReceiver } from '../helpers/http-receiver.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

const SECRET = 'city-integration-secret-1'
let sys: TestSystem | undefined
let receiver: HttpReceiver | undefined
const clients: MqttClient[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await sys?.stop()
  await receiver?.close()
  sys = undefined
  receiver = undefined
})

async function railDevice(s: TestSystem, id: string) {
  const password = await s.provisionDevice(id, 'rail', 'Line 1 east')
  const client = await mqtt.connectAsync(s.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  clients.push(client)
  return (seq: number, ts: number, railTempC: number) =>
    client.publishAsync(telemetryTopic(id), JSON.stringify({ ts, seq, m: { rail_temp_c: railTempC } }), {
      qos: 1,
    })
}

describe('signed webhooks', () => {
  it('posts each alert event to the contact group’s receiver, signed, and retries with the same idempotency key', async () => {
    // the receiver is down for the first request, then fine
    receiver = await startHttpReceiver((_req, i) => ({ status: i === 0 ? 503 : 200 }))
    sys = await startTestSystem({
      env: { NOTIFY_BACKOFF_BASE_MS: '50', ALERT_PUBLIC_URL: 'https://mimamori.example.jp' },
    })
    const group = await sys.api('PUT', '/contact-groups/rail-crew', {
      name: 'Line 1 track crew',
      members: [
        { channel: 'webhook', url: `${receiver.url}/hooks/mimamori`, secret: SECRET, name: 'city system' },
      ],
    })
    expect(group.status).toBe(201)
    expect(JSON.stringify(group.body)).not.toContain(SECRET)

    const publish = await railDevice(sys, 'rail-hook')
    const t0 = Date.now()
    await publish(1, t0, 52.5)
    const [first, second] = await receiver.waitFor(2)
    for (const req of [first, second]) {
      expect(req).toMatchObject({ method: 'POST', path: '/hooks/mimamori' })
      expect(req?.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(req?.headers['x-mimamori-event']).toBe('raised')
      const signed = verifyWebhook(
        SECRET,
        {
          signature: req?.headers['x-mimamori-signature'] as string,
          timestamp: req?.headers['x-mimamori-timestamp'] as string,
        },
        req?.body ?? '',
        Date.now(),
      )
      expect(signed).toBe(true)
    }
    expect(first?.headers['idempotency-key']).toBe(second?.headers['idempotency-key'])
    const body = JSON.parse(second?.body ?? '{}')
    expect(body).toMatchObject({
      event: 'raised',
      alert: {
        ruleId: 'rail-watch',
        deviceId: 'rail-hook',
        severity: 'watch',
        value: 52.5,
        threshold: 50,
        site: 'Line 1 east',
      },
      links: { acknowledge: `https://mimamori.example.jp/#/alerts/${body.alert.id}` },
    })
    expect(body.text).toContain('【注意】レール温度が注意値を超えました')

    // a forged signature fails the same check
    expect(
      verifyWebhook(
        SECRET,
        { signature: 'sha256=00', timestamp: String(Math.floor(Date.now() / 1000)) },
        second?.body ?? '',
        Date.now(),
      ),
    ).toBe(false)

    // acknowledging is an event too, with who and the note
    const ack = await sys.api<{ alert: { acknowledgedBy: string } }>('POST', `/alerts/${body.alert.id}/ack`, {
      note: '巡回します',
    })
    expect(ack.status).toBe(200)
    const [, , acked] = await receiver.waitFor(3)
    expect(JSON.parse(acked?.body ?? '{}')).toMatchObject({
      event: 'acknowledged',
      actor: 'admin',
      note: '巡回します',
    })
  })

  it('dead-letters a delivery the receiver refuses, without slowing ingest', async () => {
    receiver = await startHttpReceiver(() => ({ status: 400 }))
    sys = await startTestSystem({ env: { WEBHOOK_SECRET: SECRET } })
    await sys.api('PUT', '/contact-groups/rail-crew', {
      name: 'crew',
      members: [{ channel: 'webhook', url: receiver.url }],
    })
    const publish = await railDevice(sys, 'rail-refused')
    const started = Date.now()
    await publish(1, started, 55)
    await publish(2, started + 1000, 56)
    expect(Date.now() - started).toBeLessThan(2000)
    const letters = await eventually(
      async () => {
        const res = await sys?.api<{
          deadLetters: Array<{ channel: string; error: string; attempts: number }>
        }>('GET', '/notifications/dead-letters')
        return res?.body.deadLetters.length ? res.body.deadLetters : undefined
      },
      10_000,
      'a notification dead letter',
    )
    expect(letters[0]).toMatchObject({ channel: 'webhook', attempts: 1, error: 'webhook refused with 400' })
  })
})
