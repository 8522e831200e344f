import { readFileSync } from 'node:fs'
import mqtt from 'mqtt'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatMoment } from '../../dashboard/web/format.js'
import { startTestSystem, TEST_ADMIN_PASSWORD, type TestSystem } from '../helpers/system.js'
import {
  createFleet,
  type Fleet,
  goTo,
  HAVE_CHROMIUM,
  launchBrowser,
  login,
  openPage,
  WAIT_MS,
  waitForText,
} from './browser.js'
import { seedCity } from './seed.js'

/**
 * What people do on the dashboard, end to end: acknowledge an alert with a note, read a year of
 * data (from buckets only), scrub the camera timeline, provision a device and use its one-time
 * password, open and close maintenance, download the patrol report.
 */

let sys: TestSystem
let browser: Browser
let fleet: Fleet
const pageErrors: string[] = []

interface AlertView {
  id: number
  deviceId: string
  state: string
  acknowledgedBy?: string | null
  ackNote?: string | null
}

describe.skipIf(!HAVE_CHROMIUM)('acting on the dashboard', () => {
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

  it('acknowledges an alert with a note, and the server records who and why', async () => {
    const page = await openPage(browser, 360, 740, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/alerts', '#inbox-waiting li[data-alert-id]')
    const item = page.locator('#inbox-waiting li', { hasText: 'rail-b' }).first()
    const id = await item.getAttribute('data-alert-id')
    await page.click(`#ack-open-${id}`)
    await page.fill(`#ack-note-${id}`, '巡回班が向かっています')
    await page.click(`#ack-submit-${id}`)
    await waitForText(page, '#inbox-handled', '確認済み：admin')
    await waitForText(page, '#inbox-handled', '巡回班が向かっています')
    await waitForText(page, '#announce-polite', 'rail-b')
    // Focus lands on the acknowledgement, not at the top of the page.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`ack-state-${id}`)
    const { body } = await sys.api<{ alert: AlertView }>('GET', `/alerts/${id}`)
    expect(body.alert).toMatchObject({ acknowledgedBy: 'admin', ackNote: '巡回班が向かっています' })
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('draws a year from buckets of 10-minute rollups, never from raw points', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/devices/r-01', '#detail .chart canvas')
    await waitForText(page, '#detail .chart-summary', '点）')
    const answers: Array<{ url: string; step: unknown; raw: boolean }> = []
    page.on('response', async (res) => {
      if (!res.url().includes('/readings?')) return
      const body = (await res.json()) as { step: unknown; points: Array<Record<string, unknown>> }
      answers.push({ url: res.url(), step: body.step, raw: body.points.some((p) => 'value' in p) })
    })
    await page.click('label[for="range-1y"]')
    await waitForText(page, '#detail .chart-summary', '区間')
    await waitForText(page, '#detail figcaption', '1年')
    const year = answers.at(-1)
    expect(year).toBeDefined()
    const step = Number(new URL(year?.url ?? 'http://x').searchParams.get('step'))
    expect(step % 600_000).toBe(0)
    expect(year?.step).toBe(step)
    expect(year?.raw).toBe(false)
    // Zoom by keyboard-reachable buttons, then back.
    await page.click('#zoom-in')
    await waitForText(page, '#detail .zoom-state', '拡大表示中')
    await page.click('#zoom-reset')
    await page.waitForFunction(() => document.querySelector('#detail .zoom-state')?.textContent === '')
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('scrubs the camera timeline, with the capture time in the text and the alt text', async () => {
    const page = await openPage(browser, 360, 740, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/devices/r-01', '#camera-scrubber')
    await waitForText(page, '.camera figcaption', '（最新）')
    const latestAlt = await page.getAttribute('.camera img', 'alt')
    // the time as the dashboard writes it: a clock time today, with the date on another JST day
    // (the seed's latest image is 10 minutes old, so just after midnight it is yesterday's)
    const { body } = await sys.api<{ images: Array<{ captureTs: number }> }>('GET', '/devices/r-01/images')
    const latestTs = Math.max(...body.images.map((i) => i.captureTs))
    expect(latestAlt).toBe(`r-01 のカメラ画像（撮影 ${formatMoment(latestTs, Date.now(), 'ja')}）`)
    await page.focus('#camera-scrubber')
    await page.keyboard.press('Home')
    await page.waitForFunction(
      () => !document.querySelector('.camera figcaption')?.textContent?.includes('最新'),
    )
    expect(await page.getAttribute('.camera img', 'alt')).not.toBe(latestAlt)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('camera-scrubber')
    await page.waitForFunction(
      () => (document.querySelector('.camera img') as HTMLImageElement | null)?.naturalWidth === 320,
    )
    await page.click('#camera-latest')
    await waitForText(page, '.camera figcaption', '（最新）')
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('provisions a device and shows its password once; the password connects over MQTT', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    page.on('dialog', (dialog) => void dialog.accept())
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/admin/devices', 'table.data-table')
    await page.fill('#provision-id', 'p-new')
    await page.selectOption('#provision-kind', 'paddy')
    await page.fill('#provision-site', '新田地区')
    await page.click('form.admin-form button[type="submit"]')
    await page.locator('#secret-value').waitFor({ timeout: WAIT_MS })
    const password = await page.inputValue('#secret-value')
    expect(password.length).toBeGreaterThanOrEqual(16)
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'p-new',
      username: 'p-new',
      password,
      reconnectPeriod: 0,
    })
    await client.endAsync()
    await page.click('#secret-close')
    expect(await page.locator('#secret-value').count()).toBe(0)
    expect(await page.textContent('main')).not.toContain(password)
    await waitForText(page, 'table.data-table', 'p-new')

    await page.click('#rotate-p-new')
    await page.locator('#secret-value').waitFor({ timeout: WAIT_MS })
    const rotated = await page.inputValue('#secret-value')
    expect(rotated).not.toBe(password)
    await page.click('#secret-close')
    await page.click('#revoke-p-new')
    await waitForText(page, 'main [role="status"]', 'p-new')
    await expect(
      mqtt.connectAsync(sys.mqttUrl, {
        clientId: 'p-new',
        username: 'p-new',
        password: rotated,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow()
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('opens and closes a maintenance window', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/maintenance', '#maint-target')
    await page
      .locator('#maint-target option[value="device:p-02"]')
      .waitFor({ state: 'attached', timeout: WAIT_MS })
    await page.selectOption('#maint-target', 'device:p-02')
    await page.fill('#maint-reason', 'センサーの泥を清掃')
    await page.click('form.admin-form button[type="submit"]')
    await waitForText(page, 'table.data-table', 'センサーの泥を清掃')
    await waitForText(page, 'table.data-table', '作業中')
    await page.click('button[id^="close-maint-"]')
    await page.waitForFunction(
      () => !document.querySelector('table.data-table')?.textContent?.includes('作業中'),
    )
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)

  it('downloads the patrol-savings report as CSV', async () => {
    const page = await openPage(browser, 1024, 768, pageErrors)
    await login(page, sys.httpUrl, 'admin', TEST_ADMIN_PASSWORD)
    await goTo(page, '#/report', '#report-csv')
    await waitForText(page, '.report-total', '日')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')])
    const csv = readFileSync((await download.path()) as string, 'utf8')
    expect(csv.split('\n')[0]).toBe(
      'device_id,kind,site,days,days_in_band,days_with_alerts,days_without_data',
    )
    expect(csv).toContain('p-01,paddy,山田地区 第3水田')
    await page.context().close()
    expect(pageErrors).toEqual([])
  }, 60_000)
})
