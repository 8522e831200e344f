import { describe, expect, it } from 'vitest'
import { hasPosition, matchesFilter, NO_SITE, siteNames, summarizeSites } from './sites.js'
import type { DeviceSummary } from './types.js'

const device = (over: Partial<DeviceSummary>): DeviceSummary => ({
  id: 'd',
  kind: 'paddy',
  site: 'A',
  createdAt: 0,
  lastSeen: null,
  latest: {},
  status: 'normal',
  openAlerts: 0,
  ...over,
})

describe('sites of the overview', () => {
  it('gives each site the worst status of its devices and lists the worst sites first', () => {
    const sites = summarizeSites([
      device({ id: 'a1', site: 'A' }),
      device({ id: 'b1', site: 'B', status: 'silent' }),
      device({ id: 'b2', site: 'B', status: 'warning', kind: 'reservoir' }),
      device({ id: 'n1', site: null, status: 'critical' }),
      device({ id: 'c1', site: 'C', status: 'watch' }),
    ])
    expect(sites.map((s) => [s.site, s.status])).toEqual([
      ['B', 'warning'],
      ['C', 'watch'],
      ['A', 'normal'],
      [null, 'critical'],
    ])
    expect(sites[0]?.kinds).toEqual(['paddy', 'reservoir'])
  })

  it('filters by kind and by area, including devices without a site', () => {
    const d = device({ kind: 'rail', site: null })
    expect(matchesFilter(d, { kind: '', site: '' })).toBe(true)
    expect(matchesFilter(d, { kind: 'paddy', site: '' })).toBe(false)
    expect(matchesFilter(d, { kind: 'rail', site: NO_SITE })).toBe(true)
    expect(matchesFilter(d, { kind: '', site: 'A' })).toBe(false)
    expect(siteNames([device({ site: 'B' }), device({ site: 'A' }), d])).toEqual(['A', 'B'])
  })

  it('maps only devices with a position', () => {
    expect(hasPosition(device({ lat: 35.1, lon: 139.2 }))).toBe(true)
    expect(hasPosition(device({ lat: null, lon: 139.2 }))).toBe(false)
    expect(hasPosition(device({}))).toBe(false)
  })
})
