import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, TEST_ADMIN_PASSWORD, type TestSystem } from '../helpers/system.js'
import {
  createFleet,
  type Fleet,
  goTo,
  HAVE_CHROMIUM,
  launchBrowser,
  login,
  openPage,
  pageWidth,
  SCREENSHOTS,
  seriousAxeViolations,
  VIEWPORTS,
  WAIT_MS,
  waitForText,
} from './browser.js'
import { seedCity } from './seed.js'

/**
 * Every page of the dashboard and the public reservoir page, on a phone and a tablet: it shows its
 * content, has no serious or critical axe-core violation, does not scroll sideways, and is saved
 * to docs/screenshots/<page>-<width>.png.
 */

let sys: TestSystem
let browser: Browser
let fleet: Fleet
const pageErrors: string[] = []

/** [screenshot name, hash, selector that means the page has its data, text it must contain]. */
const PAGES: Array<[string, string, string, string]> = [
  ['device-paddy', '#/devices/p-01', '#detail .chart canvas', '分げつ期'],
  ['device-reservoir', '#/devices/r-01', '#camera-scrubber', '撮影'],
  ['alerts', '#/alerts', '#inbox-waiting li', 'rail-b'],
  ['paddy', '#/paddy', '.paddy-card', '分げつ期'],
  ['reservoir', '#/reservoir', '.reservoir-card img', '東ため池'],
  ['rail', '#/rail', '.rail-row', '注意 48.0 °C'],
  ['report', '#/report', '.data-table tbody tr', 'p-01'],
  ['maintenance', '#/maintenance', '#maint-target', '保守作業'],
  ['admin-devices', '#/admin/devices', 'table.data-table tbody tr', 'rail-b'],
  ['admin-users', '#/admin/users', 'table.data-table tbody tr', 'admin'],
  ['admin-gateways', '#/admin/gateways', '#admin-gateways-heading', 'ゲートウェイ'],
  ['admin-dead-letters', '#/admin/dead-letters', '.letter', 'p-02'],
  ['admin-rules', '#/admin/rules', '.rule', 'rail-watch'],
]

async function check(page: Page, name: string, width: number): Promise<void> {
  expect(await seriousAxeViolations(page), name).toEqual([])
  expect(await pageWidth(page), `${name} scrolls sideways`).toBeLessThanOrEqual(width)
  await page.screenshot({ path: `${SCREENSHOTS}${name}-${width}.png`, fullPage: true })
}

describe.skipIf(!HAVE_CHROMIUM)('every page in a browser', () => {
  beforeAll(async () => {
    sys = await startTestSystem()
    fleet = createFleet(sys)
    await seedCity(sys, fleet)
    browser = await launchBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.close()
    await sys?.stop()
  })

  for (const viewport of VIEWPORTS) {
    it(`shows every page on a ${viewport.width}px ${viewport.name} with no serious axe violation`, async () => {
      const page = await openPage(browser, viewport.width, viewport.height, pageErrors)
      await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
      await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
      for (const [name, hash, ready, text] of PAGES) {
        await goTo(page, hash, ready)
        await waitForText(page, 'main', text)
        // Moving to a page moves the reading position to its heading (screen readers, keyboard).
        expect(await page.evaluate(() => document.activeElement?.tagName), name).toBe('H2')
        await check(page, name, viewport.width)
      }
      await page.context().close()
      expect(pageErrors).toEqual([])
    }, 240_000)

    it(`shows the public reservoir page without login on a ${viewport.width}px ${viewport.name}`, async () => {
      const page = await openPage(browser, viewport.width, viewport.height, pageErrors)
      const res = await page.goto(`${sys.httpUrl}/public.html?id=r-01`)
      expect(res?.status()).toBe(200)
      await waitForText(page, 'h1', '東ため池')
      await waitForText(page, '.level', '8.21 m')
      await waitForText(page, '.band', '平常')
      const text = (await page.textContent('main')) ?? ''
      // Nothing internal: no device id, no thresholds, no login.
      expect(text).not.toContain('r-01')
      expect(text).not.toMatch(/しきい値|洪水吐/)
      expect(await page.locator('#login-username').count()).toBe(0)
      await check(page, 'public', viewport.width)
      await page.click('.lang button[lang="en"]')
      await waitForText(page, '.band', 'Normal')
      expect(await page.getAttribute('html', 'lang')).toBe('en')
      await page.goto(`${sys.httpUrl}/public.html`)
      await waitForText(page, 'h2 a', '東ため池')
      expect(await seriousAxeViolations(page)).toEqual([])
      await page.context().close()
      expect(pageErrors).toEqual([])
    }, 60_000)
  }

  it('keeps the large-type option across a reload', async () => {
    const page = await openPage(browser, 360, 740, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/paddy', '.paddy-card')
    const size = () =>
      page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize))
    const normal = await size()
    await page.click('#large-type')
    expect(await page.getAttribute('#large-type', 'aria-pressed')).toBe('true')
    expect(await size()).toBeGreaterThan(normal)
    await page.reload()
    await page.locator('.paddy-card').first().waitFor({ timeout: WAIT_MS })
    expect(await page.getAttribute('#large-type', 'aria-pressed')).toBe('true')
    expect(await size()).toBeGreaterThan(normal)
    await check(page, 'paddy-large-type', 360)
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)
})
