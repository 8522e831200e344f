import { describe, expect, it } from 'vitest'
import { deviceStatus } from './device-status.js'

describe('device status', () => {
  const now = 10_000_000
  it('is the worst open severity first', () => {
    expect(
      deviceStatus([{ severity: 'watch' }, { severity: 'critical' }, { severity: 'info' }], now, now, 1000),
    ).toBe('critical')
  })
  it('is silent past the silence limit, normal before, unknown without data', () => {
    expect(deviceStatus([], now - 1001, now, 1000)).toBe('silent')
    expect(deviceStatus([], now - 999, now, 1000)).toBe('normal')
    expect(deviceStatus([], null, now, 1000)).toBe('unknown')
  })
})
