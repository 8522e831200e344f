import { describe, expect, it } from 'vitest'
import { createDedupe } from './dedupe.js'

describe('dedupe window', () => {
  it('catches a redelivery but not a rebooted device restarting seq with a new timestamp', () => {
    const dedupe = createDedupe({ windowPerDevice: 10, maxDevices: 10 })
    expect(dedupe.firstSeen('d', 0, 1000)).toBe(true)
    expect(dedupe.firstSeen('d', 0, 1000)).toBe(false)
    expect(dedupe.firstSeen('d', 0, 9000)).toBe(true)
    expect(dedupe.firstSeen('other', 0, 1000)).toBe(true)
  })

  it('stays bounded per device and in device count', () => {
    const dedupe = createDedupe({ windowPerDevice: 3, maxDevices: 2 })
    for (let seq = 0; seq < 5; seq++) dedupe.firstSeen('d', seq, seq)
    expect(dedupe.firstSeen('d', 0, 0)).toBe(true) // fell out of the 3-key window
    expect(dedupe.firstSeen('d', 4, 4)).toBe(false)
    dedupe.firstSeen('e', 1, 1)
    dedupe.firstSeen('f', 1, 1) // evicts the oldest device window ('d')
    expect(dedupe.firstSeen('d', 4, 4)).toBe(true)
  })
})
