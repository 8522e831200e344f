import { describe, expect, it } from 'vitest'
import type { Rule } from '../types.js'
import { chartRules, thresholdLines } from './threshold-lines.js'

const rule = (over: Partial<Rule>): Rule => ({
  id: 'r',
  kind: 'rail',
  metric: 'rail_temp_c',
  op: 'above',
  threshold: 50,
  clear: 48,
  severity: 'watch',
  label: 'watch line',
  ...over,
})

describe('thresholdLines', () => {
  it('draws the raise level and the clear level of each rule on the metric', () => {
    const lines = thresholdLines(
      [
        rule({}),
        rule({ id: 'a', threshold: 60, clear: 57, severity: 'critical' }),
        rule({ metric: 'battery_v' }),
      ],
      'rail_temp_c',
    )
    expect(lines.map((l) => [l.value, l.role, l.severity])).toEqual([
      [50, 'raise', 'watch'],
      [48, 'clear', 'watch'],
      [60, 'raise', 'critical'],
      [57, 'clear', 'critical'],
    ])
  })

  it('skips rules without a numeric level and a clear level equal to the threshold', () => {
    expect(thresholdLines([rule({ threshold: null }), rule({ clear: 50 })], 'rail_temp_c')).toHaveLength(1)
    expect(chartRules([rule({ threshold: null }), rule({})], 'rail_temp_c')).toHaveLength(1)
  })
})
