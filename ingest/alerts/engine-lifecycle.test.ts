import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createImageStore } from '../images.js'
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

describe('backfill', () => {
  it('records an alert raised and cleared within a late batch as historical and pushes nothing', async () => {
    const engine = await h.engineWith()
    h.clock = T0 + 120 * MIN
    engine.evaluate(rail, temps(0, [45, 51, 52, 47, 46]), { batch: true, receivedAt: h.clock })
    h.advance(60_000)
    await engine.idle()
    expect(h.events).toEqual([])
    const [alert] = await h.store.meta.listAlerts({ limit: 10 })
    expect(alert).toMatchObject({
      ruleId: 'rail-watch',
      historical: true,
      late: true,
      state: 'cleared',
      raisedAt: T0 + 5 * MIN,
    })
  })

  it('pushes an alert late readings left open, after the grace, marked late', async () => {
    const engine = await h.engineWith({ config: { lateGraceMs: 10_000 } })
    h.clock = T0 + 120 * MIN
    engine.evaluate(rail, temps(0, [45, 51, 52]), { batch: true, receivedAt: h.clock })
    await engine.idle()
    expect(h.events).toEqual([])
    h.advance(10_000)
    await engine.idle()
    expect(h.events.map((e) => [e.event, e.alert.late, e.alert.raisedAt])).toEqual([
      ['raised', true, T0 + 5 * MIN],
    ])
  })

  it('treats a single reading older than the lag as late, and a fresh one as live', async () => {
    const engine = await h.engineWith({ config: { lateAfterMs: 15 * MIN } })
    h.clock = T0 + 30 * MIN
    engine.evaluate(rail, temps(0, [62]), { batch: false, receivedAt: h.clock })
    engine.evaluate(rail, temps(29, [47.5]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    expect(h.events).toEqual([])
    const stored = await h.store.meta.listAlerts({ limit: 10 })
    expect(stored.map((a) => [a.ruleId, a.historical]).sort()).toEqual([
      ['rail-action', true],
      ['rail-watch', true],
    ])
  })

  it('replays a batch older than what was evaluated apart: history recorded, live state untouched', async () => {
    const engine = await h.engineWith()
    h.clock = T0 + 100 * MIN
    engine.evaluate(rail, temps(95, [45]), { batch: false, receivedAt: h.clock })
    engine.evaluate(rail, temps(0, [45, 51, 53, 47, 46]), { batch: true, receivedAt: h.clock })
    await engine.idle()
    expect(h.events).toEqual([])
    const alerts = await h.store.meta.listAlerts({ limit: 10 })
    expect(alerts.map((a) => [a.ruleId, a.historical, a.state])).toEqual([['rail-watch', true, 'cleared']])
    expect(engine.openAlerts()).toEqual([])
  })
})

describe('h.clock skew and order', () => {
  it('evaluates a reading from a h.clock running ahead at its arrival, and keeps evaluating afterwards', async () => {
    const engine = await h.engineWith()
    engine.evaluate(rail, temps(120, [51]), { batch: false, receivedAt: T0 })
    engine.evaluate(rail, temps(1, [47]), { batch: false, receivedAt: T0 + MIN })
    await engine.idle()
    expect(h.events.map((e) => `${e.event}:${e.alert.raisedAt === T0}`)).toEqual([
      'raised:true',
      'cleared:true',
    ])
    expect(h.events[0]?.alert.evidence).toMatchObject({ clockSkewMs: 120 * MIN })
  })

  it('raises once for duplicates and ignores a reading older than the last evaluated', async () => {
    const engine = await h.engineWith()
    h.clock = T0 + 10 * MIN
    engine.evaluate(rail, temps(5, [51]), { batch: false, receivedAt: h.clock })
    engine.evaluate(rail, temps(5, [51]), { batch: false, receivedAt: h.clock })
    engine.evaluate(rail, temps(0, [40]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    expect(h.timeline()).toEqual(['raised:rail-watch@5'])
  })
})

describe('lifecycle', () => {
  it('escalates to the next contact group until someone acknowledges, recording every transition', async () => {
    const engine = await h.engineWith()
    h.clock = T0
    engine.evaluate(rail, temps(0, [51]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    h.advance(19 * MIN)
    engine.check()
    await engine.idle()
    expect(h.events.map((e) => e.event)).toEqual(['raised'])
    h.advance(MIN)
    engine.check()
    await engine.idle()
    expect(h.events.map((e) => [e.event, e.groups])).toEqual([
      ['raised', ['rail-crew']],
      ['escalated', ['rail-control']],
    ])
    const id = h.events[0]?.alert.id as number
    const acked = await engine.acknowledge(id, 'yamada', '巡回に向かいます')
    expect(acked).toMatchObject({ acknowledgedBy: 'yamada', ackNote: '巡回に向かいます', escalationLevel: 1 })
    await expect(engine.acknowledge(id, 'sato', null)).rejects.toMatchObject({ code: 'acknowledged' })
    engine.evaluate(rail, temps(30, [47]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    await expect(engine.acknowledge(id, 'sato', null)).rejects.toMatchObject({ code: 'cleared' })
    await expect(engine.acknowledge(9999, 'sato', null)).rejects.toMatchObject({ code: 'not_found' })
    expect(h.events.map((e) => [e.event, e.groups])).toEqual([
      ['raised', ['rail-crew']],
      ['escalated', ['rail-control']],
      ['acknowledged', ['rail-crew', 'rail-control']],
      ['cleared', ['rail-crew', 'rail-control']],
    ])
    const transitions = await h.store.meta.listAlertEvents(id)
    expect(transitions.map((t) => [t.event, t.actor])).toEqual([
      ['raised', 'system'],
      ['escalated', 'system'],
      ['acknowledged', 'yamada'],
      ['cleared', 'system'],
    ])
  })

  it('carries evidence: value, threshold, trend, and the camera image nearest the trigger', async () => {
    const images = createImageStore(join(h.dir, 'images'), h.store.meta, () => h.clock)
    await images.save('r-1', T0 - 20 * MIN, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))
    await images.save('r-1', T0 + 3 * MIN, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))
    const engine = await h.engineWith({ images })
    const levels = [8.9, 8.95, 9.05]
    h.clock = T0 + 10 * MIN
    engine.evaluate(
      deviceById('r-1'),
      levels.map((v, i) => ({ ts: T0 + i * 5 * MIN, seq: i, m: { water_level_m: v } })),
      { batch: false, receivedAt: h.clock },
    )
    await engine.idle()
    const high = h.events.find((e) => e.alert.ruleId === 'reservoir-level-high')
    expect(high?.alert.evidence).toMatchObject({
      value: 9.05,
      threshold: 9,
      unit: 'm',
      trend: levels.map((value, i) => ({ ts: T0 + i * 5 * MIN, value })),
      image: {
        deviceId: 'r-1',
        captureTs: T0 + 3 * MIN,
        offsetMs: -7 * MIN,
        url: `/api/v1/devices/r-1/images/${T0 + 3 * MIN}`,
      },
    })
  })

  it('clears open alerts of a rule that was disabled, with the reason', async () => {
    const engine = await h.engineWith()
    engine.evaluate(rail, temps(0, [52]), { batch: false, receivedAt: h.clock })
    await engine.idle()
    const spec = (await h.store.meta.listRuleSpecs()).find((r) => r.id === 'rail-watch')?.spec as Record<
      string,
      unknown
    >
    await h.store.meta.upsertRuleSpec('rail-watch', { ...spec, enabled: false }, 'admin', h.clock)
    await engine.reload('admin')
    await engine.idle()
    expect(h.events.map((e) => [e.event, e.actor ?? null])).toEqual([
      ['raised', null],
      ['cleared', 'admin'],
    ])
    expect(engine.rulesFor('rail').map((r) => r.id)).not.toContain('rail-watch')
  })

  it('turns values ingest refused as out of range into a sensor-fault alert', async () => {
    const engine = await h.engineWith()
    engine.rejected(
      rail,
      [{ seq: 1, metric: 'rail_temp_c', value: 150, reason: 'out_of_range', detail: '' }],
      h.clock,
    )
    await engine.idle()
    expect(h.events.map((e) => [e.alert.ruleId, (e.alert.evidence as { fault: string }).fault])).toEqual([
      ['rail-sensor-fault', 'out_of_range'],
    ])
  })
})

describe('priority', () => {
  it('stores and pushes a critical alert while a lesser one still waits for the store', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const meta = h.store.meta
    // the store as it is, except that inserts of anything below critical wait (a storm ahead of them)
    const store: typeof meta = {
      ...meta,
      insertAlert: async (alert) => {
        if (alert.severity !== 'critical') await held
        return meta.insertAlert(alert)
      },
    }
    const engine = await h.engineWith({ store })
    h.clock = T0 + 5 * MIN + 10_000
    // 52 °C passes the watch line, 62 °C the action line
    engine.evaluate(rail, temps(0, [52, 62]), { batch: false, receivedAt: h.clock })
    await vi.waitFor(() => expect(h.events.map((e) => e.alert.ruleId)).toContain('rail-action'), {
      timeout: 5000,
    })
    expect(h.events.map((e) => e.alert.ruleId)).toEqual(['rail-action'])
    release()
    await engine.idle()
    expect(h.timeline().sort()).toEqual(['raised:rail-action@5', 'raised:rail-watch@0'])
  })

  it('hands every insert to the store at once, so alerts raised together can be written together', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const meta = h.store.meta
    const asked: string[] = []
    const store: typeof meta = {
      ...meta,
      insertAlert: async (alert) => {
        asked.push(alert.ruleId)
        await held
        return meta.insertAlert(alert)
      },
    }
    const engine = await h.engineWith({ store })
    h.clock = T0 + 15 * MIN
    // rising 7 °C in 15 minutes and past 50 °C: two watch alerts, on one chain
    engine.evaluate(rail, temps(0, [46, 49, 51.5, 53]), { batch: false, receivedAt: h.clock })
    await vi.waitFor(() => expect(asked.sort()).toEqual(['rail-rising-fast', 'rail-watch']))
    expect(h.events).toEqual([])
    release()
    await engine.idle()
    expect(h.events.map((e) => e.alert.ruleId).sort()).toEqual(['rail-rising-fast', 'rail-watch'])
  })
})
