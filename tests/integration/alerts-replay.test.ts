import mqtt from 'mqtt'
import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { resolveScenario } from '../../simulators/scenario/library.js'
import type { Scenario } from '../../simulators/scenario/schema.js'
import { scenarioDevices, scenarioReadings } from '../../simulators/scenario/timeline.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

const MIN = 60_000
let sys: TestSystem | undefined
let socket: Socket | undefined

afterEach(async () => {
  socket?.close()
  await sys?.stop()
  sys = undefined
  socket = undefined
})

type Alert = {
  id: number
  ruleId: string
  deviceId: string
  severity: string
  raisedAt: number
  clearedAt: number | null
  historical: boolean
  late: boolean
}

function liveAlerts(s: TestSystem) {
  const events: Array<{ event: string; alert: Alert }> = []
  socket = io(s.httpUrl, { auth: { token: s.token }, transports: ['websocket'], reconnection: false })
  socket.on('alert', (e) => events.push(e))
  return {
    events,
    connected: new Promise<void>((resolve, reject) =>
      socket?.on('connect', resolve).on('connect_error', reject),
    ),
  }
}

/**
 * Publishes a scenario's timeline over MQTT, one connection per device, each device's messages
 * one after the other (QoS 1, the next after the PUBACK, which comes once the reading was
 * evaluated): the order the devices would send in, with no timing assumption.
 */
async function replayOverMqtt(s: TestSystem, scenario: Scenario, tsShiftMs: number): Promise<number> {
  const clients = new Map<string, mqtt.MqttClient>()
  for (const { deviceId, kind } of scenarioDevices(scenario)) {
    const password = await s.provisionDevice(deviceId, kind, 'Line 1')
    clients.set(
      deviceId,
      await mqtt.connectAsync(s.mqttUrl, {
        clientId: deviceId,
        username: deviceId,
        password,
        reconnectPeriod: 0,
      }),
    )
  }
  const queues = new Map<string, string[]>()
  for (const e of scenarioReadings(scenario, { tsShiftMs }))
    if (e.type === 'telemetry') queues.set(e.deviceId, [...(queues.get(e.deviceId) ?? []), e.payload])
  let published = 0
  try {
    await Promise.all(
      [...queues].map(async ([deviceId, payloads]) => {
        const client = clients.get(deviceId) as mqtt.MqttClient
        for (const payload of payloads) {
          await client.publishAsync(telemetryTopic(deviceId), payload, { qos: 1 })
          published++
        }
      }),
    )
  } finally {
    await Promise.all([...clients.values()].map((c) => c.endAsync()))
  }
  return published
}

const offset = (ms: number) => {
  const m = Math.round(ms / MIN)
  return `${Math.floor(m / 1440)}d${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}h${String(m % 60).padStart(2, '0')}m`
}

describe('a scenario replayed through MQTT', () => {
  it('summer rail heat gives exactly the expected alert timeline', async () => {
    // the replay compresses three days into seconds; with the default lag every reading would be late
    sys = await startTestSystem({ env: { ALERT_LATE_AFTER_MINUTES: String(14 * 24 * 60) } })
    const live = liveAlerts(sys)
    await live.connected
    const scenario = resolveScenario('rail-heatwave')
    // the scenario's last reading is now, as `simulate scenario --align now` would send it
    const tsShiftMs = Date.now() - (scenario.start + scenario.duration)
    const published = await replayOverMqtt(sys, scenario, tsShiftMs)
    expect(published).toBe(3 * 865)
    const s = sys
    const start = scenario.start + tsShiftMs
    // stored on the engine's queue just after the last PUBACK: wait for the last clear
    const alerts = await eventually(async () => {
      const list = (await s.api<{ alerts: Alert[] }>('GET', '/alerts')).body.alerts
      return list.length === 5 && list.every((a) => a.clearedAt !== null) && list.reverse()
    })
    expect(
      alerts.map(
        (a) =>
          `${a.deviceId} ${a.ruleId} ${a.severity} ${offset(a.raisedAt - start)}–${a.clearedAt ? offset(a.clearedAt - start) : 'open'}`,
      ),
    ).toEqual([
      'rail-deck rail-watch watch 0d10h05m–0d16h15m',
      'rail-deck rail-watch watch 1d09h40m–1d16h10m',
      'rail-deck rail-watch watch 2d08h30m–2d17h30m',
      'rail-ballast rail-watch watch 2d09h45m–2d16h40m',
      'rail-deck rail-action critical 2d11h05m–2d15h40m',
    ])
    expect(alerts.every((a) => !a.late && !a.historical)).toBe(true)
    await eventually(() => live.events.length >= 10, 5000, 'ten live alert events')
    // devices publish side by side: the order holds per device
    const perDevice = (id: string) =>
      live.events.filter((e) => e.alert.deviceId === id).map((e) => `${e.event} ${e.alert.ruleId}`)
    expect(perDevice('rail-deck')).toEqual([
      'raised rail-watch',
      'cleared rail-watch',
      'raised rail-watch',
      'cleared rail-watch',
      'raised rail-watch',
      'raised rail-action',
      'cleared rail-action',
      'cleared rail-watch',
    ])
    expect(perDevice('rail-ballast')).toEqual(['raised rail-watch', 'cleared rail-watch'])
    expect(perDevice('rail-tunnel')).toEqual([])
  })

  it('records an alert a gateway backfill raised and cleared as historical, and pushes nothing', async () => {
    sys = await startTestSystem()
    const live = liveAlerts(sys)
    await live.connected
    const password = await sys.provisionDevice('rail-gw', 'rail', 'Line 3')
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'rail-gw',
      username: 'rail-gw',
      password,
      reconnectPeriod: 0,
    })
    const t0 = Date.now() - 3 * 60 * MIN
    const batch = [46, 49, 51.5, 53, 52, 47, 45].map((t, i) => ({
      ts: t0 + i * 5 * MIN,
      seq: i,
      m: { rail_temp_c: t },
    }))
    try {
      await client.publishAsync(telemetryTopic('rail-gw'), JSON.stringify({ batch }), { qos: 1 })
      await client.publishAsync(
        telemetryTopic('rail-gw'),
        JSON.stringify({ ts: Date.now(), seq: 7, m: { rail_temp_c: 44 } }),
        { qos: 1 },
      )
    } finally {
      await client.endAsync()
    }
    const historical = await eventually(
      async () => {
        const res = await sys?.api<{ alerts: Alert[] }>('GET', '/alerts?historical=true')
        const alerts = res?.body.alerts ?? []
        // both stored, each with its clear (the store writes them as they come, not all at once)
        return alerts.length === 2 && alerts.every((a) => a.clearedAt !== null) ? alerts : undefined
      },
      5000,
      'the two historical alerts, cleared',
    )
    // (the +7 °C in 15 min of the same batch is history too: rail-rising-fast)
    expect(historical.map((a) => [a.ruleId, a.late]).sort()).toEqual([
      ['rail-rising-fast', true],
      ['rail-watch', true],
    ])
    expect(historical.find((a) => a.ruleId === 'rail-watch')).toMatchObject({
      raisedAt: t0 + 10 * MIN,
      clearedAt: t0 + 25 * MIN,
    })
    expect((await sys.api<{ alerts: Alert[] }>('GET', '/alerts?state=open')).body.alerts).toEqual([])
    // give a wrongly pushed event the time to arrive before checking there is none
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(live.events).toEqual([])
  })
})
