import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES_FILE, readRulesFile } from './default-rules.js'
import { effectiveRule, levelsAt, mergeSettings, stageAt } from './resolve.js'
import { AlertSettingsSchema, type RuleSpec } from './rule-spec.js'

const rules = readRulesFile(DEFAULT_RULES_FILE)
const rule = (id: string) => rules.find((r) => r.id === id) as RuleSpec
const JST = (date: string) => Date.parse(`${date}+09:00`)

const calendar = AlertSettingsSchema.parse({
  cropCalendar: {
    stages: [
      { stage: 'transplanting', from: '2026-05-11' },
      { stage: 'tillering', from: '2026-05-21' },
      { stage: 'midseason_drainage', from: '2026-07-05' },
      { stage: 'deep_water', from: '2026-07-17' },
      { stage: 'ripening', from: '2026-08-05' },
    ],
    end: '2026-09-10',
  },
}).cropCalendar

describe('defaults overridden per site and device', () => {
  it('puts reservoir levels relative to the site’s spillway crest and normal full level', () => {
    const settings = mergeSettings({ params: { spillwayCrestM: 12.3, normalFullM: 11.5 } })
    expect(effectiveRule(rule('reservoir-level-high'), settings)).toMatchObject({
      threshold: 11.8,
      clear: 11.6,
    })
    expect(effectiveRule(rule('reservoir-overflow'), settings)).toMatchObject({
      threshold: 12.3,
      clear: 12.25,
    })
    expect(effectiveRule(rule('reservoir-crest-forecast'), settings)).toMatchObject({ target: 12.3 })
    expect(effectiveRule(rule('reservoir-above-normal'), settings)).toMatchObject({
      threshold: 11.7,
      clear: 11.6,
    })
    expect(effectiveRule(rule('reservoir-rising-fast'), settings)).toMatchObject({ onlyAbove: 10.5 })
  })

  it('keeps the absolute defaults where the site has no parameter: the loaded rule itself', () => {
    expect(effectiveRule(rule('reservoir-level-high'), mergeSettings())).toMatchObject({
      threshold: 9,
      clear: 8.8,
    })
    // nothing to resolve: not copied nor validated again (10,000 devices' first readings)
    const other = mergeSettings({
      params: { railWatchC: 47 },
      rules: { 'rail-action': { severity: 'watch' } },
    })
    expect(effectiveRule(rule('reservoir-level-high'), other)).toBe(rule('reservoir-level-high'))
    expect(effectiveRule(rule('rail-watch'), other)).not.toBe(rule('rail-watch'))
  })

  it('takes rail watch/action lines per section, and a device patch over its site’s', () => {
    const site = {
      params: { railWatchC: 47, railActionC: 55 },
      rules: { 'rail-watch': { severity: 'info' as const } },
    }
    const device = { rules: { 'rail-watch': { enabled: false } } }
    expect(effectiveRule(rule('rail-action'), mergeSettings(site))).toMatchObject({
      threshold: 55,
      clear: 52,
    })
    expect(effectiveRule(rule('rail-watch'), mergeSettings(site))).toMatchObject({
      threshold: 47,
      severity: 'info',
    })
    expect(effectiveRule(rule('rail-watch'), mergeSettings(site, device))).toMatchObject({
      enabled: false,
      severity: 'info',
    })
  })

  it('refuses a patch that breaks hysteresis', () => {
    const bad = mergeSettings({ rules: { 'rail-watch': { clear: 52 } } })
    expect(effectiveRule(rule('rail-watch'), bad)).toEqual({ error: expect.stringMatching(/hysteresis/) })
  })
})

describe('paddy bands by crop stage', () => {
  it('finds the stage of a date, and fallow outside the season', () => {
    if (!calendar) throw new Error('no calendar')
    expect(stageAt(calendar, JST('2026-07-10T12:00')).stage).toBe('midseason_drainage')
    expect(stageAt(calendar, JST('2026-04-01T00:00')).stage).toBe('fallow')
    expect(stageAt(calendar, JST('2026-09-20T00:00')).stage).toBe('fallow')
  })

  it('turns "too shallow" off during mid-season drainage and changes bands by stage', () => {
    const shallow = rule('paddy-too-shallow') as Extract<RuleSpec, { type: 'threshold' }>
    expect(levelsAt(shallow, calendar, JST('2026-07-10T12:00'))).toMatchObject({
      enabled: false,
      stage: 'midseason_drainage',
    })
    expect(levelsAt(shallow, calendar, JST('2026-06-10T12:00'))).toEqual({
      enabled: true,
      threshold: 1,
      clear: 2,
      stage: 'tillering',
    })
    expect(levelsAt(shallow, undefined, JST('2026-07-10T12:00'))).toEqual({
      enabled: true,
      threshold: 3,
      clear: 4,
    })
  })

  it('applies the more tolerant band for a day after a stage change (filling takes hours)', () => {
    const shallow = rule('paddy-too-shallow') as Extract<RuleSpec, { type: 'threshold' }>
    const deep = rule('paddy-too-deep') as Extract<RuleSpec, { type: 'threshold' }>
    // drainage → deep water on 17 July: the field is still dry in the morning
    expect(levelsAt(shallow, calendar, JST('2026-07-17T06:00')).enabled).toBe(false)
    expect(levelsAt(shallow, calendar, JST('2026-07-18T06:00'))).toMatchObject({
      enabled: true,
      threshold: 5,
    })
    // tillering → drainage on 5 July: "too deep" keeps the tillering line for the day
    expect(levelsAt(deep, calendar, JST('2026-07-05T06:00'))).toMatchObject({ threshold: 13 })
    expect(levelsAt(deep, calendar, JST('2026-07-06T06:00'))).toMatchObject({ threshold: 5 })
  })
})
