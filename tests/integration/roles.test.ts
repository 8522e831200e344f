import mqtt, { type MqttClient } from 'mqtt'
import { io } from 'socket.io-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
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

async function login(username: string, password: string) {
  const res = await sys.api<{ token: string; csrfToken: string }>(
    'POST',
    '/login',
    { username, password },
    '',
  )
  expect(res.status).toBe(200)
  return res.body
}

async function device(id: string, kind: 'paddy' | 'reservoir', site: string) {
  const password = await sys.provisionDevice(id, kind, site)
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  clients.push(client)
  return client
}

describe('roles and scope', () => {
  it('shows a farmer only their own paddies, over REST and socket.io alike', async () => {
    const created = await sys.api<{ password: string }>('POST', '/users', {
      username: 'tanaka',
      role: 'operator',
      kinds: ['paddy'],
      sites: ['棚田 A'],
    })
    expect(created.status).toBe(201)
    const farmer = await login('tanaka', created.body.password)
    const mine = await device('paddy-a', 'paddy', '棚田 A')
    const theirs = await device('paddy-b', 'paddy', '棚田 B')
    const reservoir = await device('res-1', 'reservoir', '大池')

    const list = await sys.api<{ devices: Array<{ id: string }> }>('GET', '/devices', undefined, farmer.token)
    expect(list.body.devices.map((d) => d.id)).toEqual(['paddy-a'])
    for (const path of [
      '/devices/res-1',
      '/devices/paddy-b/readings',
      '/devices/res-1/latest',
      '/devices/res-1/images',
    ]) {
      expect((await sys.api('GET', path, undefined, farmer.token)).status, path).toBe(404)
    }
    expect((await sys.api('GET', '/export?device=res-1', undefined, farmer.token)).status).toBe(404)
    expect((await sys.api('GET', '/users', undefined, farmer.token)).status).toBe(403)
    expect((await sys.api('POST', '/devices', { id: 'x', kind: 'paddy' }, farmer.token)).status).toBe(403)

    const frames: string[] = []
    const socket = io(sys.httpUrl, {
      auth: { token: farmer.token },
      transports: ['websocket'],
      reconnection: false,
    })
    socket.on('readings', (batch: Array<{ deviceId: string }>) => {
      for (const frame of batch) frames.push(frame.deviceId)
    })
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve())
      socket.on('connect_error', reject)
    })
    try {
      const now = Date.now()
      await reservoir.publishAsync(
        telemetryTopic('res-1'),
        JSON.stringify({ ts: now, seq: 1, m: { water_level_m: 5 } }),
        { qos: 1 },
      )
      await theirs.publishAsync(
        telemetryTopic('paddy-b'),
        JSON.stringify({ ts: now, seq: 1, m: { water_depth_cm: 5 } }),
        { qos: 1 },
      )
      await mine.publishAsync(
        telemetryTopic('paddy-a'),
        JSON.stringify({ ts: now, seq: 1, m: { water_depth_cm: 5 } }),
        { qos: 1 },
      )
      await eventually(() => frames.includes('paddy-a'), 5000, "the farmer's own frame")
      await new Promise((resolve) => setTimeout(resolve, 300)) // room for frames that must not come
      expect(frames).toEqual(['paddy-a'])
    } finally {
      socket.close()
    }
  })

  it("keeps other sites' alerts out of a farmer's inbox and out of their reach", async () => {
    const created = await sys.api<{ password: string }>('POST', '/users', {
      username: 'sato',
      role: 'operator',
      kinds: ['paddy'],
      sites: ['棚田 A'],
    })
    const farmer = await login('sato', created.body.password)
    const reservoir = await device('res-9', 'reservoir', '大池')
    await reservoir.publishAsync(
      telemetryTopic('res-9'),
      JSON.stringify({ ts: Date.now(), seq: 1, m: { water_level_m: 9.8 } }),
      {
        qos: 1,
      },
    )
    const alerts = await eventually(
      async () => {
        const res = await sys.api<{ alerts: Array<{ id: number }> }>('GET', '/alerts')
        return res.body.alerts.length > 0 && res.body.alerts
      },
      5000,
      'the reservoir alert',
    )
    const id = alerts[0]?.id
    expect(
      (await sys.api<{ alerts: unknown[] }>('GET', '/alerts', undefined, farmer.token)).body.alerts,
    ).toEqual([])
    expect((await sys.api('GET', `/alerts/${id}`, undefined, farmer.token)).status).toBe(404)
    expect((await sys.api('POST', `/alerts/${id}/ack`, { note: 'x' }, farmer.token)).status).toBe(404)
    expect((await sys.api('POST', `/alerts/${id}/ack`, { note: '現地確認済み' })).status).toBe(200)
  })

  it('refuses a cookie-authenticated change without the CSRF token', async () => {
    const session = await login('admin', 'test-admin-password-123')
    const post = (headers: Record<string, string>) =>
      fetch(`${sys.httpUrl}/api/v1/users`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `mimamori_session=${session.token}`,
          ...headers,
        },
        body: JSON.stringify({ username: 'suzuki', role: 'viewer' }),
      })
    const refused = await post({})
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: string }).error).toMatch(/CSRF/)
    expect((await post({ 'x-csrf-token': 'forged' })).status).toBe(403)
    expect((await post({ 'x-csrf-token': session.csrfToken })).status).toBe(201)
    const me = await fetch(`${sys.httpUrl}/api/v1/me`, {
      headers: { cookie: `mimamori_session=${session.token}` },
    })
    expect(((await me.json()) as { csrfToken: string }).csrfToken).toBe(session.csrfToken)
  })

  it('ends a cookie session on logout only with the CSRF token', async () => {
    const session = await login('admin', 'test-admin-password-123')
    const cookie = `mimamori_session=${session.token}`
    const logout = (headers: Record<string, string>) =>
      fetch(`${sys.httpUrl}/api/v1/logout`, { method: 'POST', headers: { cookie, ...headers } })
    const meStatus = async () => (await fetch(`${sys.httpUrl}/api/v1/me`, { headers: { cookie } })).status
    expect((await logout({})).status).toBe(403)
    expect((await logout({ 'x-csrf-token': 'forged' })).status).toBe(403)
    expect(await meStatus()).toBe(200) // a cross-site form could not end it
    expect((await logout({ 'x-csrf-token': session.csrfToken })).status).toBe(204)
    expect(await meStatus()).toBe(401)
  })

  it('records administrative actions in the audit log with their actor', async () => {
    await sys.provisionDevice('audit-1', 'paddy')
    await sys.api('POST', '/users', { username: 'kimura', role: 'viewer' })
    expect((await sys.api('DELETE', '/devices/audit-1')).status).toBe(204)
    const audit = await eventually(
      async () => {
        const res = await sys.api<{ entries: Array<{ actor: string; action: string; target: string }> }>(
          'GET',
          '/audit',
        )
        return res.body.entries.length >= 3 && res.body.entries
      },
      5000,
      'three audit entries',
    )
    expect(audit.map((e) => `${e.actor}:${e.action}:${e.target}`)).toEqual(
      expect.arrayContaining([
        'admin:device.add:audit-1',
        'admin:user.add:kimura',
        'admin:device.remove:audit-1',
      ]),
    )
  })

  it('lets a viewer read but not change anything', async () => {
    const created = await sys.api<{ password: string }>('POST', '/users', {
      username: 'viewer-1',
      role: 'viewer',
    })
    const viewer = await login('viewer-1', created.body.password)
    await sys.provisionDevice('rail-1', 'rail', 'Line 1')
    expect((await sys.api('GET', '/devices', undefined, viewer.token)).status).toBe(200)
    expect((await sys.api('DELETE', '/devices/rail-1', undefined, viewer.token)).status).toBe(403)
    expect((await sys.api('GET', '/dead-letters', undefined, viewer.token)).status).toBe(403)
  })
})
