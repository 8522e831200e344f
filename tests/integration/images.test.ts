import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { imageTopic } from '../../firmware-contracts/index.js'
import { startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
beforeEach(async () => {
  sys = await startTestSystem({ env: { MQTT_MAX_IMAGE_BYTES: String(64 * 1024) } })
})
afterEach(async () => {
  await sys.stop()
})

const jpeg = (size: number) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, 7)])

describe('camera images', () => {
  it('stores an acknowledged JPEG, lists it and serves it only with a session', async () => {
    const password = await sys.provisionDevice('res-cam', 'reservoir')
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'res-cam',
      username: 'res-cam',
      password,
      reconnectPeriod: 0,
    })
    const captured = Date.now() - 5000
    await client.publishAsync(imageTopic('res-cam', captured), jpeg(30_000), { qos: 1 })
    await client.publishAsync(imageTopic('res-cam', captured), jpeg(30_000), { qos: 1 }) // redelivery
    await client.publishAsync(imageTopic('res-cam', captured + 1000), Buffer.from('not a jpeg'), { qos: 1 })
    await client.publishAsync(imageTopic('res-cam', captured + 2000), jpeg(70 * 1024), { qos: 1 })
    await client.endAsync()

    const list = await sys.api<{ images: Array<{ captureTs: number; bytes: number; url: string }> }>(
      'GET',
      '/devices/res-cam/images',
    )
    expect(list.body.images).toEqual([
      {
        captureTs: captured,
        receivedAt: expect.any(Number),
        bytes: 30_000,
        url: `/api/v1/devices/res-cam/images/${captured}`,
      },
    ])
    const image = await fetch(`${sys.httpUrl}${list.body.images[0]?.url}`, {
      headers: { authorization: `Bearer ${sys.token}` },
    })
    expect(image.headers.get('content-type')).toBe('image/jpeg')
    expect(Buffer.from(await image.arrayBuffer()).equals(jpeg(30_000))).toBe(true)
    expect((await fetch(`${sys.httpUrl}${list.body.images[0]?.url}`)).status).toBe(401)

    expect(await sys.metric('mimamori_ingest_images_total', { result: 'stored' })).toBe(1)
    expect(await sys.metric('mimamori_ingest_images_total', { result: 'duplicate' })).toBe(1)
    expect(await sys.metric('mimamori_ingest_messages_total', { reason: 'bad_image' })).toBe(1)
    expect(await sys.metric('mimamori_ingest_messages_total', { reason: 'oversize' })).toBe(1)
  })
})
