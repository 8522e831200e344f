import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMaintenanceCalendar } from '../maintenance.js'
import {
  createEngineHarness,
  deviceById,
  type EngineHarness,
  MIN,
  rail,
  T0,
  temps,
} from './testing/engine-harness.js'

let h: EngineHarness
beforeEach(async () => {
  h = await createEngineHarness()
})
afterEach(() => h.close())

/** A maintenance calendar on the harness's store and clock. */
const calendar = () =>
  createMaintenanceCalendar({
    store: h.store.meta,
    siteOf: (id) => deviceById(id)?.site,
    now: () => h.clock,
  })

describe('maintenance windows', () => {
  it('pause alerts of the device while open and resume fresh after closing', async () => {
    const maintenance = await calendar()
    const engine = await h.engineWith({ maintenance })
    const window = await maintenance.open(
      { scope: 'site', target: 'Line 1 east', reason: 'rail grinding' },
      'crew-lead',
    )
    expect(maintenance.qualityOf('rail-1', h.clock + MIN)).toBe('maintenance')
    engine.evaluate(rail, temps(1, [65, 66]), { batch: false, receivedAt: h.clock + 10 * MIN })
    await engine.idle()
    expect(h.events).toEqual([])
    h.advance(20 * MIN)
    await maintenance.close(window.id, 'crew-lead')
    expect(maintenance.qualityOf('rail-1', h.clock + MIN)).toBeUndefined()
    engine.evaluate(rail, temps(21, [51]), { batch: false, receivedAt: h.clock + MIN })
    await engine.idle()
    expect(h.timeline()).toEqual(['raised:rail-watch@21'])
    expect((await h.store.meta.listAudit({ limit: 5 })).map((a) => a.action)).toEqual([
      'maintenance.close',
      'maintenance.open',
    ])
  })
})

describe('escalation during maintenance', () => {
  it('waits while the device is in a maintenance window and goes on once it closes', async () => {
    const maintenance = await calendar()
    const engine = await h.engineWith({ maintenance })
    engine.evaluate(rail, temps(0, [51]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    const window = await maintenance.open(
      { scope: 'device', target: rail.id, reason: 'sensor swap' },
      'crew-lead',
    )
    h.advance(25 * MIN)
    engine.check()
    await engine.idle()
    expect(h.events.map((e) => e.event)).toEqual(['raised'])
    await maintenance.close(window.id, 'crew-lead')
    engine.check()
    await engine.idle()
    expect(h.events.map((e) => [e.event, e.groups])).toEqual([
      ['raised', ['rail-crew']],
      ['escalated', ['rail-control']],
    ])
  })
})

describe('silence', () => {
  const paddy = (minute: number) => [{ ts: T0 + minute * MIN, seq: minute, m: { water_depth_cm: 6 } }]

  it('raises one incident for a gateway that went offline instead of one alarm per device', async () => {
    const engine = await h.engineWith()
    for (const minute of [0, 10, 20, 30])
      for (const id of ['p-1', 'p-2', 'p-3']) {
        h.clock = T0 + minute * MIN
        engine.evaluate(deviceById(id), paddy(minute), {
          batch: false,
          receivedAt: h.clock,
        })
      }
    engine.gatewayStatus('gw-1', { state: 'offline' })
    h.advance(MIN)
    engine.check()
    h.advance(2 * MIN)
    engine.check()
    for (let i = 0; i < 12; i++) {
      h.advance(5 * MIN)
      engine.check()
    }
    await engine.idle()
    // (the rail and reservoir of this test never reported at all: they are silent on their own)
    const raised = h.events.filter(
      (e) => e.event === 'raised' && (e.alert.kind === 'gateway' || e.alert.kind === 'paddy'),
    )
    expect(raised.map((e) => [e.alert.ruleId, e.alert.deviceId, e.alert.subject])).toEqual([
      ['gateway-offline', 'gw-1', 'gateway'],
    ])
    expect(raised[0]?.alert.message).toBe(
      'ゲートウェイ gw-1 通信途絶、3台が無応答 / gateway gw-1 offline, 3 devices silent',
    )
    engine.gatewayStatus('gw-1', { state: 'online' })
    await engine.idle()
    expect(h.events.at(-1)).toMatchObject({ event: 'cleared', alert: { ruleId: 'gateway-offline' } })
  })

  it('tells a dead sensor (siblings still report) from a dead link, and clears when it reports', async () => {
    const engine = await h.engineWith()
    // p-1 reported twice (its interval is not learned yet: the 30 min default applies, 3 missed + ½)
    for (let minute = 0; minute <= 150; minute += 10) {
      h.clock = T0 + minute * MIN
      for (const id of minute <= 10 ? ['p-1', 'p-2', 'p-3'] : ['p-2', 'p-3'])
        engine.evaluate(deviceById(id), paddy(minute), {
          batch: false,
          receivedAt: h.clock,
        })
      engine.check()
    }
    await engine.idle()
    const paddies = h.events.filter((e) => e.alert.kind === 'paddy')
    expect(
      paddies.map((e) => [
        e.event,
        e.alert.ruleId,
        e.alert.deviceId,
        (e.alert.evidence as { silence?: { cause: string } }).silence?.cause,
      ]),
    ).toEqual([['raised', 'paddy-silent', 'p-1', 'device']])
    engine.evaluate(deviceById('p-1'), paddy(151), {
      batch: false,
      receivedAt: h.clock + MIN,
    })
    await engine.idle()
    expect(h.events.at(-1)).toMatchObject({
      event: 'cleared',
      alert: { ruleId: 'paddy-silent', deviceId: 'p-1' },
    })
    expect(h.events.filter((e) => e.alert.kind === 'gateway')).toEqual([])
  })
})
