import { describe, expect, it } from 'vitest'
import { createRandom, seedFromString } from './random.js'

describe('createRandom', () => {
  it('replays the same sequence for the same seed', () => {
    const a = createRandom(42)
    const b = createRandom(42)
    const seqA = Array.from({ length: 20 }, () => a.next())
    const seqB = Array.from({ length: 20 }, () => b.next())
    expect(seqA).toEqual(seqB)
  })

  it('gives a different sequence for a different seed', () => {
    const a = createRandom(1)
    const b = createRandom(2)
    expect(Array.from({ length: 5 }, () => a.next())).not.toEqual(Array.from({ length: 5 }, () => b.next()))
  })

  it('stays in [0, 1) and is roughly uniform', () => {
    const r = createRandom(7)
    let sum = 0
    let min = 1
    let max = 0
    for (let i = 0; i < 20_000; i++) {
      const x = r.next()
      sum += x
      min = Math.min(min, x)
      max = Math.max(max, x)
    }
    expect(min).toBeGreaterThanOrEqual(0)
    expect(max).toBeLessThan(1)
    expect(sum / 20_000).toBeCloseTo(0.5, 1)
  })

  it('draws normals with the asked mean and spread', () => {
    const r = createRandom(9)
    const xs = Array.from({ length: 20_000 }, () => r.normal(10, 2))
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length)
    expect(mean).toBeCloseTo(10, 1)
    expect(sd).toBeGreaterThan(1.9)
    expect(sd).toBeLessThan(2.1)
    expect(xs.every(Number.isFinite)).toBe(true)
  })

  it('accepts any number as a seed', () => {
    expect(Number.isFinite(createRandom(-1.5).next())).toBe(true)
    expect(Number.isFinite(createRandom(2 ** 40).next())).toBe(true)
  })
})

describe('seedFromString', () => {
  it('gives a stable 32-bit seed per string', () => {
    expect(seedFromString('p-01')).toBe(seedFromString('p-01'))
    expect(seedFromString('p-01')).not.toBe(seedFromString('p-02'))
    expect(seedFromString('p-01')).toBeLessThan(2 ** 32)
  })
})
