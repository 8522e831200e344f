import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  await sys.stop()
})

async function get(path: string) {
  return fetch(`${sys.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${sys.token}` } })
}

describe('open-data export', () => {
  it('streams CSV and JSON with units, station metadata and UTC timestamps', async () => {
    const created = await sys.api('POST', '/devices', {
      id: 'res-1',
      kind: 'reservoir',
      site: '大池, "north"',
      lat: 34.69,
      lon: 135.5,
    })
    expect(created.status).toBe(201)
    const password = (created.body as { password: string }).password
    await sys.provisionDevice('rail-1', 'rail', 'Line 1')
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'res-1',
      username: 'res-1',
      password,
      reconnectPeriod: 0,
    })
    const t0 = Date.UTC(2026, 8, 1, 0, 0, 0)
    await client.publishAsync(
      telemetryTopic('res-1'),
      JSON.stringify({
        batch: [0, 1, 2].map((i) => ({
          ts: t0 + i * 600_000,
          seq: i,
          m: { water_level_m: 10 + i, rain_mm_h: 2 },
        })),
      }),
      { qos: 1 },
    )
    await client.endAsync()

    const csv = await get(
      `/export?site=${encodeURIComponent('大池, "north"')}&from=${t0}&to=${t0 + 3_600_000}&format=csv`,
    )
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    const lines = (await csv.text()).trim().split('\n')
    expect(lines[0]).toBe('timestamp_utc,device_id,site,kind,latitude,longitude,metric,value,unit,seq')
    expect(lines).toHaveLength(1 + 6)
    expect(lines[1]).toBe(
      '2026-09-01T00:00:00.000Z,res-1,"大池, ""north""",reservoir,34.69,135.5,rain_mm_h,2,mm/h,0',
    )
    expect(lines[2]).toBe(
      '2026-09-01T00:00:00.000Z,res-1,"大池, ""north""",reservoir,34.69,135.5,water_level_m,10,m,0',
    )

    const json = await get(
      `/export?device=res-1&metric=water_level_m&from=2026-09-01T00:00:00Z&to=2026-09-01T10:00:00%2B09:00&format=json`,
    )
    const body = (await json.json()) as {
      meta: { stations: unknown[] }
      readings: Array<Record<string, unknown>>
    }
    expect(body.meta.stations).toEqual([
      { id: 'res-1', kind: 'reservoir', site: '大池, "north"', latitude: 34.69, longitude: 135.5 },
    ])
    expect(body.readings).toEqual(
      [0, 1, 2].map((i) => ({
        ts: new Date(t0 + i * 600_000).toISOString(),
        device: 'res-1',
        metric: 'water_level_m',
        value: 10 + i,
        unit: 'm',
        seq: i,
      })),
    )
  })

  it('answers bad filters with 400 or 404 and requires a session', async () => {
    expect((await get('/export?format=xml')).status).toBe(400)
    expect((await get('/export?site=nowhere')).status).toBe(404)
    expect((await fetch(`${sys.httpUrl}/api/v1/export`)).status).toBe(401)
  })
})
