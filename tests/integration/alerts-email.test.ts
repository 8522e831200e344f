import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { type SmtpTestServer, startSmtpServer } from '../helpers/smtp.js'
import { startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem | undefined
let smtp: SmtpTestServer | undefined

afterEach(async () => {
  await sys?.stop()
  await smtp?.close()
  sys = undefined
  smtp = undefined
})

describe('email over SMTP', () => {
  it('delivers a raised alert to a subscribed user through a real SMTP server, in Japanese first', async () => {
    smtp = await startSmtpServer()
    sys = await startTestSystem({
      env: {
        SMTP_URL: smtp.url,
        ALERT_EMAIL_FROM: 'mimamori <alerts@city.example.jp>',
        ALERT_PUBLIC_URL: 'https://mimamori.example.jp',
      },
    })
    const sub = await sys.api('PUT', '/subscriptions/me', {
      sites: ['Ikeda'],
      minSeverity: 'warning',
      channels: { email: 'duty@city.example.jp' },
    })
    expect(sub.status).toBe(200)
    const password = await sys.provisionDevice('r-mail', 'reservoir', 'Ikeda')
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'r-mail',
      username: 'r-mail',
      password,
      reconnectPeriod: 0,
    })
    try {
      const t0 = Date.now() - 20 * 60_000
      const levels = [8.82, 8.9, 8.97, 9.04]
      for (const [i, level] of levels.entries())
        await client.publishAsync(
          telemetryTopic('r-mail'),
          JSON.stringify({ ts: t0 + i * 5 * 60_000, seq: i, m: { water_level_m: level } }),
          { qos: 1 },
        )
    } finally {
      await client.endAsync()
    }
    const [mail] = await smtp.waitFor(1)
    expect(mail?.from).toBe('alerts@city.example.jp')
    expect(mail?.to).toEqual(['duty@city.example.jp'])
    expect(mail?.subject).toBe('【警戒】貯水位が洪水吐に近づいています — Ikeda')
    expect(mail?.headers['message-id']).toMatch(/^<alert-\d+-raised-0-[0-9a-f]{12}@mimamori>$/)
    expect(mail?.text).toContain('現在値: 9.04 m(基準 9 m)')
    expect(mail?.text).toContain('傾向: 直近15分で +0.22 m(8.82 → 9.04 m)')
    expect(mail?.text).toMatch(/確認する: https:\/\/mimamori\.example\.jp\/#\/alerts\/\d+/)
    expect(mail?.text).toContain('[Warning] raised: Level approaching the spillway crest')
    // the watch-level alert of the same rise is below this user's minimum severity
    expect(smtp.messages.map((m) => m.subject)).not.toContain(expect.stringContaining('常時満水位'))
  })
})
