import { describe, expect, it } from 'vitest'
import { expectedInterval, groupSilence, initialCadence, observeCadence, silence } from './silence.js'

const MIN = 60_000

describe('cadence-aware silence', () => {
  it('learns the interval from the device’s own reports (median: an outage gap does not move it)', () => {
    let s = initialCadence()
    for (const minute of [0, 10, 20, 30, 200, 210, 220])
      s = observeCadence(s, minute * MIN, minute * MIN + 500)
    expect(expectedInterval(s, { fallback: 30 * MIN, minInterval: MIN })).toEqual({
      intervalMs: 10 * MIN,
      source: 'learned',
    })
  })

  it('learns the median of its last 16 intervals, in any order, odd or even in number', () => {
    // a seeded walk: irregular intervals, repeats and out-of-order sizes
    let seed = 7
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed
    }
    for (let reports = 4; reports <= 40; reports++) {
      let s = initialCadence()
      let ts = 0
      const intervals: number[] = []
      for (let k = 0; k < reports; k++) {
        const gap = k === 0 ? 0 : 1000 * (1 + (next() % 50))
        ts += gap
        if (k > 0) intervals.push(gap)
        s = observeCadence(s, ts, ts)
      }
      const kept = intervals.slice(-16).sort((a, b) => a - b)
      const mid = kept.length >> 1
      const expected = kept.length % 2 ? kept[mid] : ((kept[mid - 1] ?? 0) + (kept[mid] ?? 0)) / 2
      expect(expectedInterval(s, { fallback: 30 * MIN, minInterval: 0 }).intervalMs).toBe(expected)
    }
  })

  it('uses the configured interval first and the fallback until three intervals were seen', () => {
    let s = initialCadence()
    s = observeCadence(s, 0, 0)
    s = observeCadence(s, 10 * MIN, 10 * MIN)
    expect(expectedInterval(s, { fallback: 30 * MIN, minInterval: MIN }).source).toBe('default')
    expect(expectedInterval(s, { configured: 5 * MIN, fallback: 30 * MIN, minInterval: MIN })).toEqual({
      intervalMs: 5 * MIN,
      source: 'configured',
    })
  })

  it('never learns an interval below the minimum (a chatty demo device)', () => {
    let s = initialCadence()
    for (const sec of [0, 2, 4, 6, 8]) s = observeCadence(s, sec * 1000, sec * 1000)
    expect(expectedInterval(s, { fallback: 30 * MIN, minInterval: MIN }).intervalMs).toBe(MIN)
  })

  it('is silent after N missed reports plus half an interval of slack', () => {
    const s = observeCadence(initialCadence(), 0, 0)
    expect(silence(s, 35 * MIN, 10 * MIN, 3).silent).toBe(false)
    expect(silence(s, 35 * MIN + 1, 10 * MIN, 3)).toEqual({
      silent: true,
      missed: 3,
      silentForMs: 35 * MIN + 1,
    })
  })

  it('counts silence from arrival, not from a device clock that runs behind', () => {
    const s = observeCadence(initialCadence(), -2 * 3_600_000, 0)
    expect(silence(s, 20 * MIN, 10 * MIN, 3).silent).toBe(false)
  })
})

describe('telling link down from sensor dead', () => {
  const devices: Record<string, string[]> = { 'gw-1': ['a', 'b', 'c'], 'gw-2': ['d', 'e'] }
  const base = {
    devicesOf: (g: string) => devices[g] ?? [],
    now: 10 * MIN,
    graceMs: 2 * MIN,
    minSilentDevices: 2,
  }
  const silent = (id: string, gatewayId: string | null, batteryLow = false) => ({
    deviceId: id,
    gatewayId,
    batteryLow,
  })

  it('makes one incident for a gateway whose status says offline', () => {
    const r = groupSilence({
      ...base,
      silent: [silent('a', 'gw-1'), silent('b', 'gw-1')],
      quiet: () => true,
      offlineSince: (g) => (g === 'gw-1' ? 5 * MIN : null),
    })
    expect(r.incidents).toEqual([
      { gatewayId: 'gw-1', silent: ['a', 'b'], total: 3, reason: 'gateway_offline' },
    ])
    expect(r.individual).toEqual([])
  })

  it('raises the incident at once after the grace, before any device is past its silence limit', () => {
    const r = groupSilence({
      ...base,
      silent: [],
      quiet: () => false,
      offlineSince: () => 5 * MIN,
      offlineGateways: ['gw-2'],
    })
    expect(r.incidents).toEqual([{ gatewayId: 'gw-2', silent: [], total: 2, reason: 'gateway_offline' }])
  })

  it('makes one incident when every device of a gateway fell silent together, even without a status', () => {
    const r = groupSilence({
      ...base,
      silent: [silent('d', 'gw-2'), silent('e', 'gw-2')],
      quiet: () => true,
      offlineSince: () => null,
    })
    expect(r.incidents.map((i) => i.reason)).toEqual(['all_silent'])
  })

  it('calls a device dead on its own when its siblings still report (battery when it was low)', () => {
    const r = groupSilence({
      ...base,
      silent: [silent('a', 'gw-1'), silent('b', 'gw-1', true)],
      quiet: (id) => id !== 'c',
      offlineSince: () => null,
    })
    expect(r.incidents).toEqual([])
    expect(r.individual).toEqual([
      { deviceId: 'a', cause: 'device' },
      { deviceId: 'b', cause: 'battery' },
    ])
  })

  it('waits while the siblings are quiet but not yet silent, so the group can form', () => {
    const r = groupSilence({
      ...base,
      silent: [silent('a', 'gw-1')],
      quiet: () => true,
      offlineSince: () => null,
    })
    expect(r).toEqual({ incidents: [], individual: [], waiting: ['a'] })
  })

  it('treats devices without a gateway one by one', () => {
    const r = groupSilence({
      ...base,
      silent: [silent('x', null)],
      quiet: () => true,
      offlineSince: () => null,
    })
    expect(r.individual).toEqual([{ deviceId: 'x', cause: 'device' }])
  })
})
