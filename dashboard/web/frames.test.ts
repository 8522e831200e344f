import { describe, expect, it } from 'vitest'
import { isAlertEvent, isReadingFrame } from './frames.js'

describe('socket frame checks', () => {
  it('accepts a well-formed reading frame and rejects malformed ones', () => {
    expect(isReadingFrame({ deviceId: 'p-01', ts: 1, seq: 2, m: { water_depth_cm: 3 } })).toBe(true)
    expect(isReadingFrame({ deviceId: 'p-01', ts: '1', m: {} })).toBe(false)
    expect(isReadingFrame({ deviceId: 'p-01', ts: 1, m: { a: '3' } })).toBe(false)
    expect(isReadingFrame(null)).toBe(false)
  })

  it('accepts alert events with a known severity only', () => {
    const alert = { id: 7, deviceId: 'r-01', severity: 'critical' }
    expect(isAlertEvent({ event: 'raised', alert })).toBe(true)
    expect(isAlertEvent({ event: 'acknowledged', alert })).toBe(true)
    expect(isAlertEvent({ event: 'acked', alert })).toBe(false)
    expect(isAlertEvent({ event: 'raised', alert: { ...alert, severity: 'boom' } })).toBe(false)
  })
})
