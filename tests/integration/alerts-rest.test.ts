import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AlertDetailSchema, AlertListSchema } from '../../dashboard/server/api/response-schemas.js'
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

async function device(id: string, kind: 'paddy' | 'reservoir' | 'rail', site: string) {
  const password = await sys.provisionDevice(id, kind, site)
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  clients.push(client)
  let seq = 0
  return (ts: number, m: Record<string, number>) =>
    client.publishAsync(telemetryTopic(id), JSON.stringify({ ts, seq: seq++, m }), { qos: 1 })
}

type Alerts = {
  alerts: Array<{
    id: number
    ruleId: string
    deviceId: string
    state: string
    severity: string
    acknowledgedBy: string | null
  }>
}

describe('alerts REST', () => {
  it('lists alerts with filters, shows every transition, and acknowledges once', async () => {
    const rail = await device('rail-r', 'rail', 'Line 2')
    const reservoir = await device('res-r', 'reservoir', 'Ikeda')
    const t0 = Date.now() - 5 * 60_000
    await rail(t0, { rail_temp_c: 61 })
    await reservoir(t0, { water_level_m: 9.2 })
    await reservoir(t0 + 60_000, { water_level_m: 8.75 })

    // the PUBACK comes once the reading is evaluated; the alert rows, and the reservoir alert's
    // clear, follow on the engine's queue
    const all = await eventually(async () => {
      const res = await sys.api<Alerts>('GET', '/alerts')
      const settled = res.body.alerts.length === 3 && res.body.alerts.some((a) => a.state === 'cleared')
      return settled && res
    })
    AlertListSchema.parse(all.body)
    expect(all.body.alerts.map((a) => a.ruleId).sort()).toEqual([
      'rail-action',
      'rail-watch',
      'reservoir-level-high',
    ])
    const q = async (query: string) =>
      (await sys.api<Alerts>('GET', `/alerts?${query}`)).body.alerts.map((a) => a.ruleId).sort()
    expect(await q('state=open')).toEqual(['rail-action', 'rail-watch'])
    expect(await q('state=cleared&kind=reservoir')).toEqual(['reservoir-level-high'])
    expect(await q('severity=critical,warning')).toEqual(['rail-action', 'reservoir-level-high'])
    expect(await q('site=Line%202&type=threshold')).toEqual(['rail-action', 'rail-watch'])
    expect(await q(`from=${t0 + 30 * 60_000}`)).toEqual(['rail-action', 'rail-watch'])
    expect((await sys.api<{ error: string }>('GET', '/alerts?severity=severe')).body.error).toMatch(
      /severity/,
    )

    const action = all.body.alerts.find((a) => a.ruleId === 'rail-action') as Alerts['alerts'][number]
    expect((await sys.api('POST', `/alerts/${action.id}/ack`, { note: '速度規制を実施' })).status).toBe(200)
    expect(await q('state=acknowledged')).toEqual(['rail-action'])
    expect(await q('state=raised')).toEqual(['rail-watch'])
    const again = await sys.api<{ error: string }>('POST', `/alerts/${action.id}/ack`, {})
    expect(again.status).toBe(409)
    expect(again.body.error).toMatch(/acknowledged by admin/)
    expect((await sys.api('POST', '/alerts/99999/ack', {})).status).toBe(404)

    const detail = await sys.api('GET', `/alerts/${action.id}`)
    const parsed = AlertDetailSchema.parse(detail.body)
    expect(parsed.alert).toMatchObject({
      acknowledgedBy: 'admin',
      ackNote: '速度規制を実施',
      severityLabel: { ja: '危険', en: 'Critical' },
    })
    expect(parsed.events.map((e) => [e.event, e.actor])).toEqual([
      ['raised', 'system'],
      ['acknowledged', 'admin'],
    ])
  })

  it('edits rules and site settings over REST, validated and audited, and the engine uses them at once', async () => {
    const bad = await sys.api<{ error: string }>('PUT', '/rules/rail-watch', {
      type: 'threshold',
      kind: 'rail',
      metric: 'rail_temp_c',
      op: 'above',
      threshold: 45,
      clear: 47,
      severity: 'watch',
      label: 'Watch',
      labelJa: '注意',
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/hysteresis/)
    const created = await sys.api('PUT', '/rules/rail-hot-evening', {
      type: 'threshold',
      kind: 'rail',
      metric: 'ambient_temp_c',
      op: 'above',
      threshold: 38,
      clear: 36,
      forMs: '0m',
      severity: 'info',
      label: 'Very hot air',
      labelJa: '外気温が非常に高い',
    })
    expect(created.status).toBe(201)
    // the section's watch line is 45 °C here (elevated steel deck)
    const site = await sys.api('PUT', '/alert-settings/site/Deck%203', {
      params: { railWatchC: 45, railActionC: 55 },
    })
    expect(site.status).toBe(200)
    const publish = await device('rail-deck', 'rail', 'Deck 3')
    await publish(Date.now(), { rail_temp_c: 46, ambient_temp_c: 39 })
    const alerts = await eventually(async () => {
      const list = (await sys.api<Alerts>('GET', '/alerts?deviceId=rail-deck')).body.alerts
      return list.length === 2 && list
    })
    expect(alerts.map((a) => a.ruleId).sort()).toEqual(['rail-hot-evening', 'rail-watch'])

    expect((await sys.api('DELETE', '/rules/rail-hot-evening')).status).toBe(204)
    const audit = await sys.api<{ entries: Array<{ action: string; actor: string; target: string }> }>(
      'GET',
      '/audit?limit=10',
    )
    // provisioning is audited too; this test is about the rule and setting changes
    const ruleChanges = audit.body.entries.filter((e) => !e.action.startsWith('device.'))
    expect(ruleChanges.map((e) => `${e.action} ${e.target} ${e.actor}`)).toEqual([
      'rule.delete rule:rail-hot-evening admin',
      'settings.update site:Deck 3 admin',
      'rule.create rule:rail-hot-evening admin',
    ])
    const open = (await sys.api<Alerts>('GET', '/alerts?deviceId=rail-deck&state=open')).body.alerts
    expect(open.map((a) => a.ruleId)).toEqual(['rail-watch'])
  })

  it('opens a maintenance window: alerts pause and readings carry the maintenance quality flag', async () => {
    const publish = await device('p-maint', 'paddy', 'Tanaka')
    const opened = await sys.api<{ window: { id: number; scope: string; target: string; openedBy: string } }>(
      'POST',
      '/maintenance',
      {
        deviceId: 'p-maint',
        reason: 'センサー交換',
      },
    )
    expect(opened.status).toBe(201)
    expect(opened.body.window).toMatchObject({ scope: 'device', target: 'p-maint', openedBy: 'admin' })
    const t0 = Date.now()
    await publish(t0, { water_depth_cm: 40 })
    expect((await sys.api<Alerts>('GET', '/alerts?deviceId=p-maint')).body.alerts).toEqual([])
    expect(
      await sys.system.readings.raw({
        deviceId: 'p-maint',
        metric: 'water_depth_cm',
        from: t0 - 1,
        to: t0 + 1,
      }),
    ).toEqual([{ ts: t0, value: 40, quality: 'maintenance' }])
    const closed = await sys.api<{ window: { endsAt: number; closedBy: string } }>(
      'POST',
      `/maintenance/${opened.body.window.id}/close`,
    )
    expect(closed.body.window.closedBy).toBe('admin')
    expect((await sys.api('POST', `/maintenance/${opened.body.window.id}/close`)).status).toBe(404)
    const t1 = Date.now() + 1
    await publish(t1, { water_depth_cm: 6 })
    expect(
      await sys.system.readings.raw({
        deviceId: 'p-maint',
        metric: 'water_depth_cm',
        from: t1 - 1,
        to: t1 + 1,
      }),
    ).toEqual([{ ts: t1, value: 6 }])
    const windows = await sys.api<{ windows: unknown[] }>('GET', '/maintenance')
    expect(windows.body.windows).toHaveLength(1)
    const audit = await sys.api<{ entries: Array<{ action: string }> }>('GET', '/audit?limit=5')
    expect(audit.body.entries.map((e) => e.action).filter((a) => a.startsWith('maintenance.'))).toEqual([
      'maintenance.close',
      'maintenance.open',
    ])
  })
})
