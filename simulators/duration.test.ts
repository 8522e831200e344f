import { describe, expect, it } from 'vitest'
import { formatSpan, parseSpan } from './duration.js'

describe('parseSpan', () => {
  it('reads single and compound durations, with a sign for clock skew', () => {
    expect(parseSpan('500ms')).toBe(500)
    expect(parseSpan('90s')).toBe(90_000)
    expect(parseSpan('10m')).toBe(600_000)
    expect(parseSpan('36h')).toBe(129_600_000)
    expect(parseSpan('2d')).toBe(172_800_000)
    expect(parseSpan('1h30m')).toBe(5_400_000)
    expect(parseSpan('103d6h')).toBe(103 * 86_400_000 + 6 * 3_600_000)
    expect(parseSpan('-9h')).toBe(-32_400_000)
    expect(parseSpan('1.5h')).toBe(5_400_000)
  })

  it('refuses anything else', () => {
    for (const bad of ['', '5', 'h', '5 h', '5x', '1h-30m', 'soon', '--5m'])
      expect(parseSpan(bad)).toBeUndefined()
  })
})

describe('formatSpan', () => {
  it('gives at most two units a newcomer reads at a glance', () => {
    expect(formatSpan(450)).toBe('450 ms')
    expect(formatSpan(1500)).toBe('1.5 s')
    expect(formatSpan(5_400_000)).toBe('1 h 30 min')
    expect(formatSpan(36 * 3_600_000)).toBe('1 d 12 h')
    expect(formatSpan(-32_400_000)).toBe('-9 h')
  })
})
