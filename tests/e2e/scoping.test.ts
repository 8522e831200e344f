import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.js'
import {
  createFleet,
  type Fleet,
  goTo,
  HAVE_CHROMIUM,
  launchBrowser,
  login,
  openPage,
  SCREENSHOTS,
  seriousAxeViolations,
  WAIT_MS,
  waitForText,
} from './browser.js'
import { FARMER_SITE, seedCity } from './seed.js'

/**
 * Roles and scope in the browser: a farmer (an operator scoped to paddies and their own site) sees
 * only their paddy, live, can acknowledge its alerts, and never sees a reservoir, a rail or an
 * admin page; a viewer reads but cannot acknowledge.
 */

let sys: TestSystem
let browser: Browser
let fleet: Fleet
const pageErrors: string[] = []
const FARMER = { username: 'farmer-yamada', password: 'farmer-password-123' }
const VIEWER = { username: 'bureau-viewer', password: 'viewer-password-123' }

describe.skipIf(!HAVE_CHROMIUM)('role scoping in a browser', () => {
  beforeAll(async () => {
    sys = await startTestSystem()
    fleet = createFleet(sys)
    await seedCity(sys, fleet)
    const farmer = await sys.api('POST', '/users', {
      ...FARMER,
      role: 'operator',
      kinds: ['paddy'],
      sites: [FARMER_SITE],
    })
    expect(farmer.status).toBe(201)
    const viewer = await sys.api('POST', '/users', { ...VIEWER, role: 'viewer' })
    expect(viewer.status).toBe(201)
    browser = await launchBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.close()
    await sys?.stop()
  })

  it('shows a farmer only their paddy, live, and never a reservoir', async () => {
    const page = await openPage(browser, 360, 740, pageErrors)
    await login(page, sys.httpUrl, FARMER.username, FARMER.password)
    await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
    await waitForText(page, '#connection-status', 'ライブ')
    const main = async () => (await page.textContent('main')) ?? ''
    expect(await main()).not.toContain('r-01')
    expect(await main()).not.toContain('東ため池')
    expect(await main()).not.toContain('rail-')
    expect(await main()).not.toContain('p-02')
    // Menu: their paddies, not reservoirs, rails or admin pages.
    const nav = (await page.textContent('#app-nav')) ?? ''
    expect(nav).toContain('水田')
    expect(nav).not.toMatch(/ため池|レール|管理/)

    // Live: their paddy updates; a reservoir reading (and alert) never reaches this browser.
    await fleet.publish('r-01', { water_level_m: 9.7 })
    await fleet.publish('p-01', { water_depth_cm: 9.9 })
    await waitForText(page, 'tr[data-device-id="p-01"] [data-metric="water_depth_cm"]', '9.9 cm')
    expect(await main()).not.toContain('r-01')

    // Typed addresses do not open what the scope hides.
    await goTo(page, '#/devices/r-01', '#detail [role="alert"]')
    await waitForText(page, '#detail', 'r-01 は見つかりません')
    await goTo(page, '#/admin/users', '#summary-heading')
    await goTo(page, '#/reservoir', '.kind-page')
    expect(await page.locator('.reservoir-card').count()).toBe(0)

    // An impossible jump (a float knocked loose) raises a sensor-fault alert they can acknowledge.
    await fleet.publish('p-01', { water_depth_cm: 21 })
    await goTo(page, '#/alerts', '#inbox-waiting li[data-alert-id]')
    expect(await page.locator('#inbox-waiting summary[id^="ack-open-"]').count()).toBeGreaterThan(0)
    expect(await page.textContent('#inbox')).not.toContain('rail-b')
    await goTo(page, '#/paddy', '.paddy-card')
    await waitForText(page, '.paddy-card', '分げつ期')
    expect(await page.locator('.paddy-card').count()).toBe(1)
    expect(await seriousAxeViolations(page)).toEqual([])
    await page.screenshot({ path: `${SCREENSHOTS}farmer-paddy-360.png`, fullPage: true })
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 90_000)

  it('lets a viewer read alerts but not acknowledge them', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, VIEWER.username, VIEWER.password)
    await goTo(page, '#/alerts', '#inbox-waiting li[data-alert-id]')
    await waitForText(page, '#inbox', '閲覧者の権限では')
    expect(await page.locator('summary[id^="ack-open-"]').count()).toBe(0)
    expect(await page.textContent('#app-nav')).not.toMatch(/保守作業|管理/)
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)
})
