import { describe, expect, it } from 'vitest'
import { createThrottle } from './auth-throttle.js'
import { createAdmission } from './connection-limits.js'

describe('failed-login throttle', () => {
  it('locks a key after max failures in the window and unlocks after it', () => {
    let t = 0
    const throttle = createThrottle({ windowMs: 1000, max: 3, now: () => t })
    expect([throttle.fail('ip'), throttle.fail('ip'), throttle.fail('ip')]).toEqual([false, false, true])
    expect(throttle.locked('ip')).toBe(true)
    expect(throttle.locked('other')).toBe(false)
    t = 1001
    expect(throttle.locked('ip')).toBe(false)
    expect(throttle.size()).toBe(0)
  })

  it('is off with max 0 and bounded in keys', () => {
    expect(createThrottle({ windowMs: 1000, max: 0 }).fail('x')).toBe(false)
    const throttle = createThrottle({ windowMs: 1000, max: 5, maxKeys: 2 })
    for (const key of ['a', 'b', 'c']) throttle.fail(key)
    expect(throttle.size()).toBe(2)
  })
})

describe('socket admission', () => {
  it('caps open connections and refills the per-IP bucket over time', () => {
    let t = 0
    const admission = createAdmission({
      maxConnections: 3,
      ratePerIp: 1,
      burstPerIp: 2,
      exempt: ['10.0.0.9'],
      now: () => t,
    })
    expect([admission.admit('10.0.0.1'), admission.admit('10.0.0.1'), admission.admit('10.0.0.1')]).toEqual([
      undefined,
      undefined,
      'rate_limited',
    ])
    expect(admission.admit('10.0.0.9')).toBeUndefined()
    expect(admission.admit('10.0.0.2')).toBe('max_connections')
    admission.release()
    t = 1000
    expect(admission.admit('10.0.0.1')).toBeUndefined()
    expect(admission.open()).toBe(3)
  })
})
