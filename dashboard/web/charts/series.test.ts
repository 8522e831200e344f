import { describe, expect, it } from 'vitest'
import { yRange } from './series.js'

describe('yRange', () => {
  it('keeps threshold lines in view even far from the data', () => {
    const [lo, hi] = yRange(5, 6, [9])
    expect(lo).toBeLessThan(5)
    expect(hi).toBeGreaterThan(9)
  })

  it('gives a usable range for flat data and for no data', () => {
    const [lo, hi] = yRange(4, 4, [])
    expect(lo).toBeLessThan(4)
    expect(hi).toBeGreaterThan(4)
    expect(yRange(null, null, [])).toEqual([0, 1])
  })
})
