import { describe, expect, it } from 'vitest'
import {
  alertsFromRest,
  applyAlertEvent,
  changesOpenSet,
  isAcknowledged,
  RECENT_LIMIT,
  sortAlerts,
} from './alerts.js'
import type { Alert } from './types.js'

const alert = (over: Partial<Alert>): Alert => ({
  id: 1,
  ruleId: 'rail-watch',
  deviceId: 'r-01',
  kind: 'rail',
  site: null,
  metric: 'rail_temp_c',
  severity: 'watch',
  state: 'raised',
  message: 'm',
  value: 51,
  threshold: 50,
  raisedAt: 1000,
  clearedAt: null,
  ...over,
})

describe('alerts panel state', () => {
  it('adds a raised alert once, however often the event arrives', () => {
    const once = applyAlertEvent({ open: [], recent: [] }, { event: 'raised', alert: alert({}) })
    const twice = applyAlertEvent(once, { event: 'raised', alert: alert({}) })
    expect(twice.open).toHaveLength(1)
  })

  it('moves a cleared alert from open to recent', () => {
    const open = applyAlertEvent({ open: [], recent: [] }, { event: 'raised', alert: alert({}) })
    const cleared = applyAlertEvent(open, {
      event: 'cleared',
      alert: alert({ state: 'cleared', clearedAt: 2000 }),
    })
    expect(cleared.open).toEqual([])
    expect(cleared.recent.map((a) => a.id)).toEqual([1])
  })

  it('lists open alerts worst first, then newest', () => {
    const sorted = sortAlerts({
      open: [
        alert({ id: 1, severity: 'watch', raisedAt: 5 }),
        alert({ id: 2, severity: 'critical', raisedAt: 1 }),
        alert({ id: 3, severity: 'watch', raisedAt: 9 }),
      ],
      recent: [],
    })
    expect(sorted.open.map((a) => a.id)).toEqual([2, 3, 1])
  })

  it('keeps only the latest cleared alerts as recent and never an open one', () => {
    const all = Array.from({ length: 30 }, (_, i) =>
      alert({ id: i + 10, state: 'cleared', clearedAt: new Date(i * 1000).toISOString() }),
    )
    const state = alertsFromRest([alert({ id: 10, state: 'raised' })], all)
    expect(state.recent).toHaveLength(RECENT_LIMIT)
    expect(state.recent[0]?.id).toBe(39)
    expect(state.recent.some((a) => a.id === 10)).toBe(false)
  })

  it('keeps an acknowledged alert open, marked, after the unacknowledged ones of its severity', () => {
    const open = applyAlertEvent(
      { open: [alert({ id: 1 }), alert({ id: 2, raisedAt: 500 })], recent: [] },
      { event: 'acknowledged', alert: alert({ id: 1, acknowledgedBy: 'yamada', acknowledgedAt: 3000 }) },
    )
    expect(open.open.map((a) => a.id)).toEqual([2, 1])
    expect(isAcknowledged(open.open[1] as Alert)).toBe(true)
    expect(isAcknowledged(alert({ state: 'acknowledged' }))).toBe(true)
  })

  it('tells which events change the open set, so a repeat or an ack is not announced as new', () => {
    const state = { open: [alert({ id: 1 })], recent: [] }
    expect(changesOpenSet(state, { event: 'raised', alert: alert({ id: 1 }) })).toBe(false)
    expect(changesOpenSet(state, { event: 'raised', alert: alert({ id: 2 }) })).toBe(true)
    expect(changesOpenSet(state, { event: 'acknowledged', alert: alert({ id: 1 }) })).toBe(false)
    expect(changesOpenSet(state, { event: 'cleared', alert: alert({ id: 1 }) })).toBe(true)
    expect(changesOpenSet(state, { event: 'cleared', alert: alert({ id: 9 }) })).toBe(false)
  })
})
