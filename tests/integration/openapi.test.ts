import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AlertListSchema,
  DeviceListSchema,
  ReadingsResponseSchema,
} from '../../dashboard/server/api/response-schemas.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  await sys.stop()
})

describe('OpenAPI document', () => {
  it('is served without a session and describes every route with its query parameters', async () => {
    const res = await fetch(`${sys.httpUrl}/api/v1/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as {
      openapi: string
      paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>>
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/login',
        '/devices',
        '/devices/{id}/readings',
        '/alerts',
        '/export',
        '/dead-letters',
      ]),
    )
    expect(doc.paths['/devices/{id}/readings']?.get?.parameters?.map((p) => p.name)).toEqual([
      'id',
      'metric',
      'from',
      'to',
      'step',
    ])
  })

  it('matches what the server really sends', async () => {
    const password = await sys.provisionDevice('rail-9', 'rail', 'Line 9')
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'rail-9',
      username: 'rail-9',
      password,
      reconnectPeriod: 0,
    })
    const t0 = Date.now() - 10_000
    await client.publishAsync(
      telemetryTopic('rail-9'),
      JSON.stringify({ ts: t0, seq: 1, m: { rail_temp_c: 61 } }),
      { qos: 1 },
    )
    await client.endAsync()

    DeviceListSchema.parse((await sys.api('GET', '/devices')).body)
    ReadingsResponseSchema.parse(
      (await sys.api('GET', `/devices/rail-9/readings?metric=rail_temp_c&from=${t0 - 1000}`)).body,
    )
    ReadingsResponseSchema.parse(
      (await sys.api('GET', `/devices/rail-9/readings?metric=rail_temp_c&step=60000`)).body,
    )
    const alerts = await sys.api('GET', '/alerts')
    expect(AlertListSchema.parse(alerts.body).alerts.length).toBeGreaterThan(0)
  })

  it('answers a bad query with a 400 that names the field', async () => {
    await sys.provisionDevice('rail-9', 'rail')
    const res = await sys.api<{ error: string }>('GET', '/devices/rail-9/readings?step=5')
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/step/)
    const unknown = await sys.api<{ error: string }>('GET', '/devices/rail-9/readings?bogus=1')
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatch(/bogus/)
  })
})
