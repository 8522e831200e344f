import mqtt, { type MqttClient } from 'mqtt'
import { io, type Socket } from 'socket.io-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem
const clients: MqttClient[] = []
const sockets: Socket[] = []

beforeEach(async () => {
  sys = await startTestSystem()
})
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close()
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await sys.stop()
})

async function connectDevice(id: string, password: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
    clean: true,
  })
  clients.push(client)
  return client
}

function liveClient(token: string) {
  const events = {
    readings: [] as Array<{ deviceId: string; m: Record<string, number> }>,
    alerts: [] as Array<{ event: string; alert: { ruleId: string; deviceId: string; value: number } }>,
  }
  const socket = io(sys.httpUrl, { auth: { token }, transports: ['websocket'], reconnection: false })
  sockets.push(socket)
  socket.on('readings', (batch) => events.readings.push(...batch))
  socket.on('alert', (event) => events.alerts.push(event))
  return {
    socket,
    events,
    connected: new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve())
      socket.on('connect_error', reject)
    }),
  }
}

describe('device to browser', () => {
  it('stores a published reading, serves it over REST and socket.io, and raises then clears an alert', async () => {
    const password = await sys.provisionDevice('rail-e2e', 'rail', 'Line 1 east')
    const live = liveClient(sys.token)
    await live.connected
    const device = await connectDevice('rail-e2e', password)
    const t0 = Date.now()

    await device.publishAsync(
      telemetryTopic('rail-e2e'),
      JSON.stringify({ ts: t0, seq: 1, m: { rail_temp_c: 45.5, ambient_temp_c: 31 } }),
      { qos: 1 },
    )

    // PUBACK came after the write: the rows are in DuckDB now
    expect(await sys.system.readings.count('rail-e2e')).toBe(2)
    const [point] = await sys.system.readings.raw({
      deviceId: 'rail-e2e',
      metric: 'rail_temp_c',
      from: t0 - 1,
      to: t0 + 1,
    })
    expect(point).toEqual({ ts: t0, value: 45.5 })

    const latest = await sys.api<{ latest: Record<string, { ts: number; value: number; unit: string }> }>(
      'GET',
      '/devices/rail-e2e/latest',
    )
    expect(latest.status).toBe(200)
    expect(latest.body.latest.rail_temp_c).toEqual({ ts: t0, value: 45.5, unit: '°C' })

    const range = await sys.api<{
      points: Array<{ ts: number; value: number }>
      unit: string
      step: number | null
    }>('GET', `/devices/rail-e2e/readings?metric=rail_temp_c&from=${t0 - 60_000}&to=${t0 + 60_000}`)
    expect(range.body).toMatchObject({ unit: '°C', step: null, points: [{ ts: t0, value: 45.5 }] })

    const list = await sys.api<{ devices: Array<{ id: string; status: string; site: string }> }>(
      'GET',
      '/devices',
    )
    expect(list.body.devices).toMatchObject([{ id: 'rail-e2e', status: 'normal', site: 'Line 1 east' }])

    await eventually(() => live.events.readings.find((f) => f.deviceId === 'rail-e2e'), 5000, 'a live frame')
    expect(live.events.readings.find((f) => f.deviceId === 'rail-e2e')?.m.rail_temp_c).toBe(45.5)

    // crossing the watch line (50 °C) raises one alert; coming back under the clear level (48) clears it
    await device.publishAsync(
      telemetryTopic('rail-e2e'),
      JSON.stringify({ ts: t0 + 1000, seq: 2, m: { rail_temp_c: 52.25 } }),
      { qos: 1 },
    )
    const raised = await eventually(
      () => live.events.alerts.find((e) => e.event === 'raised'),
      5000,
      'an alert event',
    )
    expect(raised.alert).toMatchObject({ ruleId: 'rail-watch', deviceId: 'rail-e2e', value: 52.25 })

    const alerts = await sys.api<{ alerts: Array<{ ruleId: string; state: string; severity: string }> }>(
      'GET',
      '/alerts?state=open',
    )
    expect(alerts.body.alerts).toMatchObject([{ ruleId: 'rail-watch', state: 'raised', severity: 'watch' }])
    const withAlert = await sys.api<{ devices: Array<{ status: string; openAlerts: number }> }>(
      'GET',
      '/devices',
    )
    expect(withAlert.body.devices[0]).toMatchObject({ status: 'watch', openAlerts: 1 })

    await device.publishAsync(
      telemetryTopic('rail-e2e'),
      JSON.stringify({ ts: t0 + 2000, seq: 3, m: { rail_temp_c: 47 } }),
      { qos: 1 },
    )
    await eventually(() => live.events.alerts.find((e) => e.event === 'cleared'), 5000, 'the clear event')
    expect((await sys.api<{ alerts: unknown[] }>('GET', '/alerts?state=open')).body.alerts).toHaveLength(0)
  })

  it('stores a redelivered reading once', async () => {
    const password = await sys.provisionDevice('paddy-dup', 'paddy')
    const device = await connectDevice('paddy-dup', password)
    const payload = JSON.stringify({ ts: Date.now(), seq: 7, m: { water_depth_cm: 6 } })
    await device.publishAsync(telemetryTopic('paddy-dup'), payload, { qos: 1 })
    await device.publishAsync(telemetryTopic('paddy-dup'), payload, { qos: 1 })
    expect(await sys.system.readings.count('paddy-dup')).toBe(1)
    expect(await sys.metric('mimamori_ingest_readings_total', { result: 'duplicate' })).toBe(1)
    // the group commit it waited for is on /metrics: how long, how many rows
    const text = await (await fetch(`${sys.httpUrl}/metrics`)).text()
    const count = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1])
    expect(count('mimamori_ingest_store_write_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(count('mimamori_ingest_store_write_rows_sum')).toBeGreaterThanOrEqual(1)
    expect(count('mimamori_ingest_store_write_seconds_sum')).toBeGreaterThan(0)
  })

  it('answers the REST API only with a session', async () => {
    expect((await sys.api('GET', '/devices', undefined, '')).status).toBe(401)
    expect((await sys.api('GET', '/devices', undefined, 'not-a-token')).status).toBe(401)
    const wrong = await sys.api('POST', '/login', { username: 'admin', password: 'wrong-password' }, '')
    expect(wrong.status).toBe(401)
    const malformed = await sys.api<{ error: string }>('POST', '/login', { user: 'admin' }, '')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toMatch(/username/)
    const health = await fetch(`${sys.httpUrl}/healthz`)
    expect(health.status).toBe(200)
    const ready = await fetch(`${sys.httpUrl}/readyz`)
    expect(await ready.json()).toMatchObject({ status: 'ready' })
  })

  it('refuses a socket.io client without a session', async () => {
    const live = liveClient('bogus')
    await expect(live.connected).rejects.toThrow(/unauthorized/)
  })
})
