import type { Browser } from 'playwright-core'
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

/**
 * The dashboard in a real browser against the whole system: login, live values, a live alert with
 * its screen-reader announcement, the reconnect refetch, and axe-core's WCAG 2.1 AA checks, on a
 * phone and a tablet. tests/e2e/pages.test.ts covers every other page.
 */

let sys: TestSystem
let browser: Browser
let fleet: Fleet
/** Uncaught errors in the page; every test ends by asserting there were none. */
const pageErrors: string[] = []

describe.skipIf(!HAVE_CHROMIUM)('dashboard in a browser', () => {
  beforeAll(async () => {
    sys = await startTestSystem()
    fleet = createFleet(sys)
    await fleet.add('p-01', 'paddy', '山田地区 第3水田', { lat: 35.412, lon: 136.761 })
    await fleet.add('r-01', 'reservoir', '東ため池', { lat: 35.43, lon: 136.78 })
    await fleet.add('rail-a', 'rail', '南北線 3工区')
    for (let i = 0; i < 5; i++) {
      await fleet.publish('p-01', {
        water_depth_cm: 8 + i * 0.2,
        water_temp_c: 22,
        battery_v: 3.6,
        rssi_dbm: -78,
      })
      await fleet.publish('r-01', { water_level_m: 8.2, rain_mm_h: 2 })
      await fleet.publish('rail-a', { rail_temp_c: 40 + i, ambient_temp_c: 30 })
    }
    // A first Chromium start on a fresh machine builds its caches and can take a while.
    browser = await launchBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.close()
    await sys?.stop()
  })

  for (const [index, viewport] of VIEWPORTS.entries()) {
    it(`on a ${viewport.width}px ${viewport.name}: logs in, updates live, announces an alert, passes axe`, async () => {
      const page = await openPage(browser, viewport.width, viewport.height, pageErrors)
      await page.goto(sys.httpUrl)
      await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
      expect(await page.getAttribute('html', 'lang')).toBe('ja')
      expect(await seriousAxeViolations(page)).toEqual([])
      await page.screenshot({ path: `${SCREENSHOTS}login-${viewport.width}.png`, fullPage: true })

      await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
      await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
      await waitForText(page, 'tr[data-device-id="p-01"]', '水田')
      await waitForText(page, '#connection-status', 'ライブ')
      expect(await page.locator('#demo-banner').isHidden()).toBe(true)
      // The map shows the two positioned devices as markers although no tile could load.
      await page.locator('#overview-map .map-marker').nth(1).waitFor({ timeout: WAIT_MS })
      await waitForText(page, '.unplaced', 'rail-a')

      // A publish reaches the row through MQTT → ingest → socket.io without a reload.
      const depth = 11.3 + index
      await fleet.publish('p-01', { water_depth_cm: depth })
      await waitForText(
        page,
        'tr[data-device-id="p-01"] [data-metric="water_depth_cm"]',
        `${depth.toFixed(1)} cm`,
      )

      // A crossing of the rail watch line (50 °C) appears live, is announced, and changes the row.
      await fleet.publish('rail-a', { rail_temp_c: 40 }) // clears what the previous viewport left open
      await page.waitForFunction(
        () => !document.querySelector('#open-alerts a[href="#/devices/rail-a"]'),
        undefined,
        {
          timeout: WAIT_MS,
        },
      )
      await fleet.publish('rail-a', { rail_temp_c: 53.5 })
      await waitForText(page, '#open-alerts li', '53.5 °C')
      await waitForText(page, '#announce-polite', 'rail-a')
      await waitForText(page, 'tr[data-device-id="rail-a"] .cell-status', '注意')

      expect(await seriousAxeViolations(page)).toEqual([])
      expect(await pageWidth(page)).toBeLessThanOrEqual(viewport.width)
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-${viewport.width}.png`, fullPage: true })

      // The device page: chart with its lines, the value in words.
      await page.click('a[data-device-link="rail-a"]')
      await page.locator('#detail .chart canvas').first().waitFor({ timeout: WAIT_MS })
      await waitForText(page, '#detail .thresholds', '50.0 °C')
      await waitForText(page, '#detail .chart-summary', '53.5 °C')

      // English switch: labels change, the choice survives a reload.
      await goTo(page, '#/', '#devices-heading')
      await page.click('#app-header button[lang="en"]')
      await waitForText(page, '#devices-heading', 'Devices')
      expect(await page.getAttribute('html', 'lang')).toBe('en')
      await page.reload()
      await waitForText(page, '#devices-heading', 'Devices')
      await waitForText(page, '#connection-status', 'Live')
      expect(await seriousAxeViolations(page)).toEqual([])
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-en-${viewport.width}.png`, fullPage: true })
      await page.context().close()
      expect(pageErrors).toEqual([])
    }, 120_000)
  }

  it('refetches what it missed while offline, so the chart has no hole after a reconnect', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/devices/p-01', '#detail .chart canvas')
    await waitForText(page, '#connection-status', 'ライブ')
    await waitForText(page, '#detail .chart-summary', '点）')
    const points = async () =>
      Number(/（(\d+)点）/.exec((await page.textContent('#detail .chart-summary')) ?? '')?.[1])
    const before = await points()
    expect(before).toBeGreaterThan(0)

    await page.context().setOffline(true)
    await waitForText(page, '#connection-status', '再接続中')
    for (const depth of [4.1, 4.2, 4.3]) await fleet.publish('p-01', { water_depth_cm: depth })
    expect(await points()).toBe(before)

    await page.context().setOffline(false)
    await waitForText(page, '#connection-status', 'ライブ')
    await waitForText(page, '#detail .chart-summary', `（${before + 3}点）`)
    await waitForText(page, '#detail .chart-summary', '最新 4.3 cm')
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('shows the login form again with a reason when the session is gone', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
    await page.click('#app-header button:not([lang]):not(#large-type)')
    await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
    expect(await page.evaluate(async () => (await fetch('/api/v1/me')).status)).toBe(401)
    await page.fill('#login-username', 'admin')
    await page.fill('#login-password', 'wrong-password')
    await page.click('form.login-form button[type="submit"]')
    await waitForText(page, '#login-error', 'ユーザー名またはパスワード')
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)
})

describe.skipIf(!HAVE_CHROMIUM)('dashboard in demo mode', () => {
  it('labels simulated data with a DEMO banner', async () => {
    const demo = await startTestSystem({ env: { MIMAMORI_DEMO: '1' } })
    const demoBrowser = await launchBrowser()
    try {
      const page = await openPage(demoBrowser, 360, 740, pageErrors)
      await login(page, demo.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
      await page.locator('#demo-banner').waitFor({ state: 'visible', timeout: WAIT_MS })
      expect(await page.textContent('#demo-banner')).toContain('DEMO')
      await page.screenshot({ path: `${SCREENSHOTS}demo-banner-360.png` })
    } finally {
      await demoBrowser.close()
      await demo.stop()
    }
  }, 120_000)
})
