import { describe, expect, it } from 'vitest'
import { effectiveRules, settingsFor, stageAt, targetBand } from './effective-levels.js'
import type { RuleSpecView, StoredSettings } from './types-admin.js'

const shallow: RuleSpecView = {
  id: 'paddy-too-shallow',
  type: 'threshold',
  kind: 'paddy',
  metric: 'water_depth_cm',
  op: 'below',
  threshold: 3,
  clear: 4,
  severity: 'warning',
  label: 'too shallow',
  labelJa: '浅い',
  enabled: true,
  stages: { tillering: { threshold: 1, clear: 2 }, midseason_drainage: { enabled: false } },
}
const deep: RuleSpecView = {
  ...shallow,
  id: 'paddy-too-deep',
  op: 'above',
  threshold: 15,
  clear: 13,
  stages: { tillering: { threshold: 12 } },
}
const railWatch: RuleSpecView = {
  id: 'rail-watch',
  type: 'threshold',
  kind: 'rail',
  metric: 'rail_temp_c',
  op: 'above',
  threshold: 50,
  clear: 48,
  relativeTo: { param: 'railWatchC', threshold: 0, clear: -2 },
  severity: 'watch',
  label: 'watch',
  labelJa: '注意',
  enabled: true,
}
const calendar = {
  stages: [
    { stage: 'transplanting', from: '2026-05-01' },
    { stage: 'tillering', from: Date.parse('2026-05-20T00:00:00+09:00') },
    { stage: 'midseason_drainage', from: '2026-07-01' },
  ],
  end: '2026-09-30',
}
const at = (date: string) => Date.parse(`${date}T12:00:00+09:00`)

describe('effective alert levels', () => {
  it('finds the crop stage from the calendar, fallow outside it', () => {
    expect(stageAt(calendar, at('2026-04-01'))).toBe('fallow')
    expect(stageAt(calendar, at('2026-05-25'))).toBe('tillering')
    expect(stageAt(calendar, at('2026-10-01'))).toBe('fallow')
  })

  it("uses the stage's band, and drops a rule the stage switches off", () => {
    const settings = settingsFor([{ scope: 'site', target: 'A', settings: { cropCalendar: calendar } }], {
      id: 'p',
      site: 'A',
    })
    const tillering = effectiveRules([shallow, deep], settings, 'paddy', at('2026-05-25'))
    expect(tillering.stage).toBe('tillering')
    expect(tillering.rules.map((r) => [r.id, r.threshold, r.clear])).toEqual([
      ['paddy-too-shallow', 1, 2],
      ['paddy-too-deep', 12, 12],
    ])
    expect(targetBand(tillering.rules, 'water_depth_cm')).toEqual({ low: 1, high: 12 })
    const drainage = effectiveRules([shallow, deep], settings, 'paddy', at('2026-07-05'))
    expect(drainage.rules.map((r) => r.id)).toEqual(['paddy-too-deep'])
  })

  it("resolves levels relative to a site parameter, and a device's patch wins over its site's", () => {
    const all: StoredSettings[] = [
      { scope: 'site', target: 'S3', settings: { params: { railWatchC: 45 } } },
      { scope: 'device', target: 'r-2', settings: { rules: { 'rail-watch': { threshold: 47 } } } },
    ]
    const site = effectiveRules([railWatch], settingsFor(all, { id: 'r-1', site: 'S3' }), 'rail', 0)
    expect(site.rules.map((r) => [r.threshold, r.clear])).toEqual([[45, 43]])
    const own = effectiveRules([railWatch], settingsFor(all, { id: 'r-2', site: 'S3' }), 'rail', 0)
    expect(own.rules[0]?.threshold).toBe(47)
    expect(effectiveRules([railWatch], {}, 'rail', 0).rules[0]?.threshold).toBe(50)
  })
})
