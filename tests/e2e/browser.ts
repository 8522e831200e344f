import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import { type Browser, chromium, type Page } from 'playwright-core'
import { WEB_DIST } from '../../dashboard/server/app.js'
import { buildWeb } from '../../dashboard/web/build.js'
import { imageTopic, telemetryTopic } from '../../firmware-contracts/index.js'
import type { TestSystem } from '../helpers/system.js'

/** Shared pieces of the browser end-to-end tests: Debian's chromium, axe-core, waits, a fleet. */

export const CHROMIUM = '/usr/bin/chromium'
export const HAVE_CHROMIUM = existsSync(CHROMIUM)
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))
export const VIEWPORTS = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const
export const WAIT_MS = 15_000

if (!HAVE_CHROMIUM) {
  const reason = `${CHROMIUM} is missing: the browser end-to-end tests of the dashboard did NOT run (apt-get install chromium)`
  if (process.env.REQUIRE_INTEGRATION === '1') throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`)
  process.stderr.write(`\n*** SKIPPED: ${reason} ***\n\n`)
}

export async function launchBrowser(): Promise<Browser> {
  // `npm test` builds the bundle first; build here too so a test file also runs on its own.
  if (!existsSync(`${WEB_DIST}index.html`) || !existsSync(`${WEB_DIST}public.html`)) await buildWeb()
  mkdirSync(SCREENSHOTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
}

/**
 * A fresh context: Japanese locale, CSP bypassed (the server's CSP rightly forbids the inline
 * script axe-core is injected as), and no internet: map tile requests fail as they would on a
 * closed network, so every test also shows the map works without tiles.
 */
export async function openPage(
  browser: Browser,
  width: number,
  height: number,
  errors: string[],
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, bypassCSP: true, locale: 'ja-JP' })
  await context.route(/cyberjapandata\.gsi\.go\.jp/, (route) => route.abort('internetdisconnected'))
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`))
  return page
}

export async function login(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url)
  await page.locator('#login-username').waitFor({ timeout: WAIT_MS })
  await page.fill('#login-username', username)
  await page.fill('#login-password', password)
  await page.click('form.login-form button[type="submit"]')
  await page.locator('#app-nav nav').waitFor({ timeout: WAIT_MS })
}

/** Waits until an element matching `selector` contains `text` (playwright-core has no auto-waiting expect). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) => [...document.querySelectorAll(sel)].some((el) => el.textContent?.includes(want)),
    [selector, text] as const,
    { timeout: WAIT_MS },
  )
}

/** Goes to a hash route and waits for the page's heading. */
export async function goTo(page: Page, hash: string, heading: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h
  }, hash)
  await page.locator(heading).first().waitFor({ timeout: WAIT_MS })
}

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>
}

/** axe-core with the WCAG 2.1 A and AA rules; returns the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResult> } })
      .axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

/** WCAG 1.4.10 reflow: nothing forces sideways scrolling of the page. */
export async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth)
}

/** Simulated devices connected over MQTT, publishing as the real ones do. */
export function createFleet(sys: TestSystem) {
  const clients = new Map<string, MqttClient>()
  let seq = 0
  const client = (id: string) => {
    const c = clients.get(id)
    if (!c) throw new Error(`no client for ${id}`)
    return c
  }
  return {
    async add(
      id: string,
      kind: 'paddy' | 'reservoir' | 'rail',
      site: string,
      position?: { lat: number; lon: number },
    ): Promise<void> {
      const res = await sys.api<{ password: string }>('POST', '/devices', { id, kind, site, ...position })
      if (res.status !== 201) throw new Error(`provisioning ${id}: ${res.status} ${JSON.stringify(res.body)}`)
      clients.set(
        id,
        await mqtt.connectAsync(sys.mqttUrl, {
          clientId: id,
          username: id,
          password: res.body.password,
          reconnectPeriod: 0,
        }),
      )
    },
    async publish(id: string, m: Record<string, number>, ts = Date.now()): Promise<void> {
      seq++
      await client(id).publishAsync(telemetryTopic(id), JSON.stringify({ ts, seq, m }), { qos: 1 })
    },
    async publishRaw(id: string, payload: string): Promise<void> {
      await client(id).publishAsync(telemetryTopic(id), payload, { qos: 1 })
    },
    async publishImage(id: string, captureTs: number, jpeg: Uint8Array): Promise<void> {
      await client(id).publishAsync(imageTopic(id, captureTs), Buffer.from(jpeg), { qos: 1 })
    },
    async close(): Promise<void> {
      await Promise.all([...clients.values()].map((c) => c.endAsync(true)))
      clients.clear()
    },
  }
}
export type Fleet = ReturnType<typeof createFleet>
