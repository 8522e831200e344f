import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WEB_DIST } from '../../dashboard/server/app.js'
import { buildWeb } from '../../dashboard/web/build.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestSystem, TEST_ADMIN_PASSWORD, type TestSystem } from '../helpers/system.js'

/**
 * The dashboard in a real browser against the whole system: login, live values, a live alert with
 * its screen-reader announcement, and axe-core's WCAG 2.1 AA checks, on a phone and a tablet.
 */

const CHROMIUM = '/usr/bin/chromium'
const REQUIRED = process.env.REQUIRE_INTEGRATION === '1'
const HAVE_CHROMIUM = existsSync(CHROMIUM)
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))
const VIEWPORTS = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const
const WAIT_MS = 10_000
const LAUNCH = {
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
}

if (!HAVE_CHROMIUM) {
  const reason = `${CHROMIUM} is missing: the browser end-to-end test of the dashboard did NOT run (apt-get install chromium)`
  if (REQUIRED) throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`)
  process.stderr.write(`\n*** SKIPPED: ${reason} ***\n\n`)
}

let sys: TestSystem
let browser: Browser
const devices = new Map<string, MqttClient>()
let seq = 0
/** Uncaught errors in the page; every test ends by asserting there were none. */
const pageErrors: string[] = []

async function publish(deviceId: string, m: Record<string, number>): Promise<void> {
  const client = devices.get(deviceId)
  if (!client) throw new Error(`no client for ${deviceId}`)
  seq++
  await client.publishAsync(telemetryTopic(deviceId), JSON.stringify({ ts: Date.now(), seq, m }), { qos: 1 })
}

async function addDevice(id: string, kind: 'paddy' | 'reservoir' | 'rail', site: string): Promise<void> {
  const password = await sys.provisionDevice(id, kind, site)
  const client = await mqtt.connectAsync(sys.mqttUrl, {
    clientId: id,
    username: id,
    password,
    reconnectPeriod: 0,
  })
  devices.set(id, client)
}

/** Waits until the element matching `selector` contains `text` (playwright-core has no auto-waiting expect). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) => [...document.querySelectorAll(sel)].some((el) => el.textContent?.includes(want)),
    [selector, text] as const,
    { timeout: WAIT_MS },
  )
}

async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResult> } })
      .axe
    interface AxeResult {
      violations: Array<{
        id: string
        impact: string | null
        help: string
        nodes: Array<{ target: string[] }>
      }>
    }
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

async function openPage(width: number, height: number): Promise<Page> {
  // bypassCSP: the server's CSP (rightly) forbids the inline script axe-core is injected as.
  const context = await browser.newContext({ viewport: { width, height }, bypassCSP: true, locale: 'ja-JP' })
  const page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`))
  return page
}

async function login(page: Page): Promise<void> {
  await page.goto(sys.httpUrl)
  await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
  await page.fill('#login-username', 'admin')
  await page.fill('#login-password', TEST_ADMIN_PASSWORD)
  await page.click('form.login-form button[type="submit"]')
}

describe.skipIf(!HAVE_CHROMIUM)('dashboard in a browser', () => {
  beforeAll(async () => {
    // `npm test` builds the bundle first; build here too so the file also runs on its own.
    if (!existsSync(`${WEB_DIST}index.html`)) await buildWeb()
    mkdirSync(SCREENSHOTS, { recursive: true })
    sys = await startTestSystem()
    await addDevice('p-01', 'paddy', '山田地区 第3水田')
    await addDevice('r-01', 'reservoir', '東ため池')
    await addDevice('rail-a', 'rail', '南北線 3工区')
    for (let i = 0; i < 5; i++) {
      await publish('p-01', { water_depth_cm: 8 + i * 0.2, water_temp_c: 22, battery_v: 3.6 })
      await publish('r-01', { water_level_m: 8.2, rain_mm_h: 2 })
      await publish('rail-a', { rail_temp_c: 40 + i, ambient_temp_c: 30 })
    }
    browser = await chromium.launch(LAUNCH)
    // A first Chromium start on a fresh machine builds its caches and can take a while.
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([...devices.values()].map((c) => c.endAsync(true)))
    devices.clear()
    await sys?.stop()
  })

  for (const [index, viewport] of VIEWPORTS.entries()) {
    it(`on a ${viewport.width}px ${viewport.name}: logs in, updates live, announces an alert, passes axe`, async () => {
      const page = await openPage(viewport.width, viewport.height)
      await page.goto(sys.httpUrl)
      await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
      expect(await page.getAttribute('html', 'lang')).toBe('ja')
      expect(await seriousAxeViolations(page)).toEqual([])
      await page.screenshot({ path: `${SCREENSHOTS}login-${viewport.width}.png`, fullPage: true })

      await login(page)
      const row = page.locator('tr[data-device-id="p-01"]')
      await row.waitFor({ timeout: WAIT_MS })
      await waitForText(page, 'tr[data-device-id="p-01"]', '水田')
      await waitForText(page, '#connection-status', 'ライブ')
      expect(await page.locator('#demo-banner').isHidden()).toBe(true)

      // A publish reaches the row through MQTT → ingest → socket.io without a reload.
      const depth = 11.3 + index
      await publish('p-01', { water_depth_cm: depth })
      await waitForText(
        page,
        'tr[data-device-id="p-01"] [data-metric="water_depth_cm"]',
        `${depth.toFixed(1)} cm`,
      )

      // Chart of the rail, then a crossing of the watch line (50 °C) appears live and is announced.
      await page.click('a[data-device-link="rail-a"]')
      await page.locator('#detail .chart canvas').first().waitFor({ timeout: WAIT_MS })
      await waitForText(page, '#detail .thresholds', '50.0 °C')
      await publish('rail-a', { rail_temp_c: 40 }) // clears what the previous viewport left open
      await page.waitForFunction(
        () => !document.querySelector('#open-alerts a[href="#/devices/rail-a"]'),
        undefined,
        {
          timeout: WAIT_MS,
        },
      )
      await publish('rail-a', { rail_temp_c: 53.5 })
      await waitForText(page, '#open-alerts li', '53.5 °C')
      await waitForText(page, '#announce-polite', 'rail-a')
      await waitForText(page, 'tr[data-device-id="rail-a"] .cell-status', '注意')
      await waitForText(page, '#detail .chart-summary', '53.5 °C')

      expect(await seriousAxeViolations(page)).toEqual([])
      // WCAG 1.4.10 reflow: nothing forces sideways scrolling on the phone or the tablet.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        viewport.width,
      )
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-${viewport.width}.png`, fullPage: true })

      // English switch: labels change, the choice survives a reload.
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
    })
  }

  it('refetches what it missed while offline, so the chart has no hole after a reconnect', async () => {
    const page = await openPage(1024, 768)
    await login(page)
    await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
    await page.click('a[data-device-link="p-01"]')
    await page.locator('#detail .chart canvas').first().waitFor({ timeout: WAIT_MS })
    await waitForText(page, '#connection-status', 'ライブ')
    const points = async () =>
      Number(/（(\d+)点）/.exec((await page.textContent('#detail .chart-summary')) ?? '')?.[1])
    const before = await points()
    expect(before).toBeGreaterThan(0)

    await page.context().setOffline(true)
    await waitForText(page, '#connection-status', '再接続中')
    for (const depth of [4.1, 4.2, 4.3]) await publish('p-01', { water_depth_cm: depth })
    expect(await points()).toBe(before)

    await page.context().setOffline(false)
    await waitForText(page, '#connection-status', 'ライブ')
    await waitForText(page, '#detail .chart-summary', `（${before + 3}点）`)
    await waitForText(page, 'tr[data-device-id="p-01"] [data-metric="water_depth_cm"]', '4.3 cm')
    await page.context().close()
    expect(pageErrors).toEqual([])
  })

  it('shows the login form again with a reason when the session is gone', async () => {
    const page = await openPage(1024, 768)
    await login(page)
    await page.locator('tr[data-device-id="p-01"]').waitFor({ timeout: WAIT_MS })
    await page.click('#app-header button:not([lang])')
    await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status)
    expect(me).toBe(401)
    await page.fill('#login-username', 'admin')
    await page.fill('#login-password', 'wrong-password')
    await page.click('form.login-form button[type="submit"]')
    await waitForText(page, '#login-error', 'ユーザー名またはパスワード')
    await page.context().close()
    expect(pageErrors).toEqual([])
  })
})

describe.skipIf(!HAVE_CHROMIUM)('dashboard in demo mode', () => {
  it('labels simulated data with a DEMO banner', async () => {
    const demo = await startTestSystem({ env: { MIMAMORI_DEMO: '1' } })
    const demoBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    })
    try {
      const page = await demoBrowser.newPage({ viewport: { width: 360, height: 740 } })
      await page.goto(demo.httpUrl)
      await page.fill('#login-username', 'admin')
      await page.fill('#login-password', TEST_ADMIN_PASSWORD)
      await page.click('form.login-form button[type="submit"]')
      await page.locator('#demo-banner').waitFor({ state: 'visible', timeout: WAIT_MS })
      expect(await page.textContent('#demo-banner')).toContain('DEMO')
      await page.screenshot({ path: `${SCREENSHOTS}demo-banner-360.png` })
    } finally {
      await demoBrowser.close()
      await demo.stop()
    }
  })
})
