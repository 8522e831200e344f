import { describe, expect, it } from 'vitest'
import { gaugeScale } from './gauge.js'

describe('gauge scale', () => {
  it('keeps the value, every line and the band in view', () => {
    const [lo, hi] = gaugeScale({
      value: 42,
      marks: [
        { value: 50, severity: 'watch', label: '注意' },
        { value: 60, severity: 'critical', label: '危険' },
      ],
    })
    expect(lo).toBeLessThan(42)
    expect(hi).toBeGreaterThan(60)
    const [bLo, bHi] = gaugeScale({ value: 8, marks: [], band: { low: 3, high: 15 } })
    expect(bLo).toBeLessThan(3)
    expect(bHi).toBeGreaterThan(15)
    expect(gaugeScale({ value: undefined, marks: [] })).toEqual([0, 1])
  })
})
