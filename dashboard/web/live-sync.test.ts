import { describe, expect, it } from 'vitest'
import {
  applyAlertToDevice,
  applyFrame,
  frameToLatest,
  gapRange,
  mergeDeviceList,
  mergeLatest,
} from './live-sync.js'
import type { Alert, DeviceSummary } from './types.js'

const device = (over: Partial<DeviceSummary> = {}): DeviceSummary => ({
  id: 'p-01',
  kind: 'paddy',
  site: null,
  createdAt: 0,
  lastSeen: 1000,
  latest: { water_depth_cm: { ts: 1000, value: 5 } },
  status: 'normal',
  openAlerts: 0,
  ...over,
})

describe('mergeLatest', () => {
  it('keeps the newer sample per metric whatever the arrival order', () => {
    const current = { a: { ts: 20, value: 2 }, b: { ts: 5, value: 1 } }
    expect(
      mergeLatest(current, { a: { ts: 10, value: 9 }, b: { ts: 6, value: 7 }, c: { ts: 1, value: 3 } }),
    ).toEqual({
      a: { ts: 20, value: 2 },
      b: { ts: 6, value: 7 },
      c: { ts: 1, value: 3 },
    })
  })

  it('returns the same object when nothing changes, so no cell is redrawn', () => {
    const current = { a: { ts: 20, value: 2 } }
    expect(mergeLatest(current, { a: { ts: 20, value: 2 } })).toBe(current)
  })
})

describe('applyFrame', () => {
  it('updates values and moves last seen forward only', () => {
    const next = applyFrame(device(), {
      deviceId: 'p-01',
      ts: 2000,
      seq: 1,
      m: { water_depth_cm: 6, water_temp_c: 20 },
    })
    expect(next.latest.water_depth_cm).toEqual({ ts: 2000, value: 6 })
    expect(next.latest.water_temp_c).toEqual({ ts: 2000, value: 20 })
    expect(next.lastSeen).toBe(2000)
    const late = applyFrame(next, { deviceId: 'p-01', ts: 1500, seq: 0, m: { water_depth_cm: 1 } })
    expect(late).toBe(next)
  })

  it('ignores non-finite values in a frame', () => {
    expect(frameToLatest({ deviceId: 'x', ts: 1, seq: 1, m: { a: Number.NaN, b: 2 } })).toEqual({
      b: { ts: 1, value: 2 },
    })
  })
})

describe('mergeDeviceList', () => {
  it('keeps a frame that arrived while the list request was in flight', () => {
    const current = new Map([
      ['p-01', device({ lastSeen: 3000, latest: { water_depth_cm: { ts: 3000, value: 8 } } })],
    ])
    const fresh = [device({ status: 'watch', openAlerts: 1 }), device({ id: 'p-02' })]
    const merged = mergeDeviceList(current, fresh)
    expect(merged.get('p-01')).toMatchObject({
      status: 'watch',
      openAlerts: 1,
      lastSeen: 3000,
      latest: { water_depth_cm: { ts: 3000, value: 8 } },
    })
    expect([...merged.keys()]).toEqual(['p-01', 'p-02'])
  })

  it('drops devices the server no longer lists', () => {
    expect(mergeDeviceList(new Map([['gone', device({ id: 'gone' })]]), []).size).toBe(0)
  })
})

describe('gapRange', () => {
  const now = 10 * 60 * 60 * 1000
  it('refetches from shortly before the last point held up to now', () => {
    expect(gapRange(now - 5 * 60_000, now)).toEqual({ from: now - 6 * 60_000, to: now })
  })

  it('refetches the whole window when nothing is held or the gap is longer', () => {
    expect(gapRange(undefined, now)).toEqual({ from: now - 3_600_000, to: now })
    expect(gapRange(now - 5 * 3_600_000, now)).toEqual({ from: now - 3_600_000, to: now })
  })
})

describe('applyAlertToDevice', () => {
  const alert = (severity: Alert['severity']): Alert => ({
    id: 1,
    ruleId: 'r',
    deviceId: 'p-01',
    kind: 'paddy',
    site: null,
    metric: 'water_depth_cm',
    severity,
    state: 'raised',
    message: '',
    value: 2,
    threshold: 3,
    raisedAt: 0,
    clearedAt: null,
  })

  it('raises the row to the alert severity at once, never lowers it', () => {
    const watched = applyAlertToDevice(device(), { event: 'raised', alert: alert('watch') })
    expect(watched).toMatchObject({ status: 'watch', openAlerts: 1 })
    const still = applyAlertToDevice(
      { ...watched, status: 'critical' },
      { event: 'raised', alert: alert('watch') },
    )
    expect(still).toMatchObject({ status: 'critical', openAlerts: 2 })
  })

  it('goes back to normal when the last open alert clears', () => {
    const open = device({ status: 'warning', openAlerts: 1 })
    expect(applyAlertToDevice(open, { event: 'cleared', alert: alert('warning') })).toMatchObject({
      status: 'normal',
      openAlerts: 0,
    })
    const silent = device({ status: 'silent', openAlerts: 0 })
    expect(applyAlertToDevice(silent, { event: 'cleared', alert: alert('warning') }).status).toBe('silent')
  })
})
