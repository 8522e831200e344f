import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  await sys.stop()
})

const DAY = 86_400_000

async function publish(id: string, password: string, payload: unknown) {
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  await client.publishAsync(telemetryTopic(id), JSON.stringify(payload), { qos: 1 })
  await client.endAsync()
}

describe('public reservoir page', () => {
  it('shows level band and last update without a login, and nothing about other kinds', async () => {
    const password = await sys.provisionDevice('res-1', 'reservoir', '大池')
    await sys.provisionDevice('rail-1', 'rail', 'Line 1')
    const now = Date.now()
    await publish('res-1', password, { ts: now, seq: 1, m: { water_level_m: 9.4567, rain_mm_h: 30 } })

    // the alert engine decides right after the write; wait until its verdict shows on the page
    await eventually(
      async () => {
        const page = (await (await fetch(`${sys.httpUrl}/api/v1/public/reservoirs/res-1`)).json()) as {
          band: string
        }
        return page.band === 'warning'
      },
      5000,
      'the warning band',
    )
    const res = await fetch(`${sys.httpUrl}/api/v1/public/reservoirs/res-1`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=30')
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      id: 'res-1',
      name: '大池',
      band: 'warning', // over the default 9.0 m line
      bandLabel: { ja: '警戒', en: 'Warning' },
      level: { value: 9.46, unit: 'm', ts: now },
      lastUpdate: now,
    })
    expect(Object.keys(body).sort()).toEqual(['band', 'bandLabel', 'id', 'lastUpdate', 'level', 'name'])
    expect((await fetch(`${sys.httpUrl}/api/v1/public/reservoirs/rail-1`)).status).toBe(404)
    const list = (await (await fetch(`${sys.httpUrl}/api/v1/public/reservoirs`)).json()) as {
      reservoirs: Array<{ id: string }>
    }
    expect(list.reservoirs.map((r) => r.id)).toEqual(['res-1'])
  })
})

describe('patrol-savings report', () => {
  it('counts days in band, days with alerts and days without data, per Japanese calendar day', async () => {
    const password = await sys.provisionDevice('paddy-1', 'paddy', '棚田 A')
    // three JST days: day 0 in band, day 1 too shallow for an hour (an alert: it holds 30 min), day 2 no data
    const day0 = Date.UTC(2026, 5, 9, 15) // 2026-06-10 00:00 JST
    const dry = [0, 10, 20, 30, 40, 50, 60].map((min, i) => ({
      ts: day0 + DAY + 6 * 3_600_000 + min * 60_000,
      seq: 10 + i,
      m: { water_depth_cm: 0.2 },
    }))
    await publish('paddy-1', password, {
      batch: [
        { ts: day0 + 6 * 3_600_000, seq: 1, m: { water_depth_cm: 8 } },
        ...dry,
        { ts: day0 + DAY + 9 * 3_600_000, seq: 30, m: { water_depth_cm: 7 } },
      ],
    })
    await eventually(
      async () => (await sys.api<{ alerts: unknown[] }>('GET', '/alerts')).body.alerts.length > 0,
      5000,
      'the alert',
    )
    const query = `from=${day0}&to=${day0 + 3 * DAY - 1}`
    const report = await sys.api<{ devices: Array<Record<string, unknown>> }>(
      'GET',
      `/reports/patrol?${query}`,
    )
    expect(report.body.devices).toEqual([
      {
        deviceId: 'paddy-1',
        kind: 'paddy',
        site: '棚田 A',
        days: 3,
        daysInBand: 1,
        daysWithAlerts: 1,
        daysWithoutData: 1,
      },
    ])
    const csv = await fetch(`${sys.httpUrl}/api/v1/reports/patrol?${query}&format=csv`, {
      headers: { authorization: `Bearer ${sys.token}` },
    })
    expect((await csv.text()).trim().split('\n')).toEqual([
      'device_id,kind,site,days,days_in_band,days_with_alerts,days_without_data',
      'paddy-1,paddy,棚田 A,3,1,1,1',
    ])
  })
})
