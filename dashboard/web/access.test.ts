import { describe, expect, it } from 'vitest'
import { allowedPage, canAct, seesAlert, seesKind } from './access.js'
import { navPages } from './nav.js'

const farmer = { username: 'yamada', role: 'operator', kinds: ['paddy'], sites: ['山田'] }
const viewer = { username: 'v', role: 'viewer', kinds: null, sites: null }
const admin = { username: 'a', role: 'admin', kinds: null, sites: null }

describe('what the user may see and do', () => {
  it('scopes a farmer to paddies of their own site', () => {
    expect(seesKind(farmer, 'paddy')).toBe(true)
    expect(seesKind(farmer, 'reservoir')).toBe(false)
    expect(seesAlert(farmer, { kind: 'paddy', site: '山田' })).toBe(true)
    expect(seesAlert(farmer, { kind: 'paddy', site: '川上' })).toBe(false)
    expect(seesAlert(farmer, { kind: 'reservoir', site: '山田' })).toBe(false)
    expect(seesAlert(admin, { kind: 'rail', site: null })).toBe(true)
  })

  it('lets operators and admins act, viewers only read', () => {
    expect(canAct(farmer)).toBe(true)
    expect(canAct(viewer)).toBe(false)
  })

  it("builds the menu from the role and scope, and refuses pages the user can't use", () => {
    expect(navPages(farmer)).toEqual({
      main: ['overview', 'alerts', 'paddy', 'report', 'maintenance'],
      admin: [],
    })
    expect(navPages(viewer).main).not.toContain('maintenance')
    expect(navPages(admin).admin).toContain('admin-devices')
    expect(allowedPage('admin-users', farmer)).toBe('overview')
    expect(allowedPage('maintenance', viewer)).toBe('overview')
    expect(allowedPage('admin-users', admin)).toBe('admin-users')
  })
})
