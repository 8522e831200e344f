import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { type HttpReceiver, startHttpReceiver } from '../helpers/http-receiver.js'
import { startTestSystem, type TestSystem } from '../helpers/system.js'

const TOKEN = 'test-channel-access-token'
const LINE_USER = `U${'4af4980629'.repeat(3)}12`
let sys: TestSystem | undefined
let line: HttpReceiver | undefined

afterEach(async () => {
  await sys?.stop()
  await line?.close()
  sys = undefined
  line = undefined
})

describe('LINE Messaging API push', () => {
  it('sends the request exactly as LINE documents it, and retries with the same X-Line-Retry-Key', async () => {
    // a stand-in for https://api.line.me: 500 on the first try, then 200 (LINE answers `{}`)
    line = await startHttpReceiver((_req, i) => ({ status: i === 0 ? 500 : 200, body: {} }))
    sys = await startTestSystem({
      env: {
        LINE_CHANNEL_TOKEN: TOKEN,
        LINE_API_BASE: line.url,
        NOTIFY_BACKOFF_BASE_MS: '50',
        ALERT_PUBLIC_URL: 'https://mimamori.example.jp',
      },
    })
    const sub = await sys.api('PUT', '/subscriptions/me', {
      kinds: ['paddy'],
      minSeverity: 'watch',
      channels: { line: LINE_USER },
    })
    expect(sub.status).toBe(200)
    await sys
      .api('PUT', '/alert-settings/device/p-line', { rules: { 'paddy-too-deep': { forMs: 0 } } })
      .then((r) => expect(r.status).toBe(404))
    const password = await sys.provisionDevice('p-line', 'paddy', 'Tanaka north')
    const settings = await sys.api('PUT', '/alert-settings/device/p-line', {
      rules: { 'paddy-too-deep': { forMs: 0 } },
    })
    expect(settings.status).toBe(200)
    const client = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'p-line',
      username: 'p-line',
      password,
      reconnectPeriod: 0,
    })
    try {
      await client.publishAsync(
        telemetryTopic('p-line'),
        JSON.stringify({ ts: Date.now() - 60_000, seq: 1, m: { water_depth_cm: 9 } }),
        { qos: 1 },
      )
      await client.publishAsync(
        telemetryTopic('p-line'),
        JSON.stringify({ ts: Date.now(), seq: 2, m: { water_depth_cm: 16.5 } }),
        { qos: 1 },
      )
    } finally {
      await client.endAsync()
    }
    const [first, second] = await line.waitFor(2)
    for (const req of [first, second]) {
      expect(req?.method).toBe('POST')
      expect(req?.path).toBe('/v2/bot/message/push')
      expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(req?.headers['content-type']).toBe('application/json')
      expect(req?.headers['x-line-retry-key']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      )
      const body = JSON.parse(req?.body ?? '{}')
      expect(Object.keys(body).sort()).toEqual(['messages', 'to'])
      expect(body.to).toBe(LINE_USER)
      expect(body.messages).toHaveLength(1)
      expect(Object.keys(body.messages[0]).sort()).toEqual(['text', 'type'])
      expect(body.messages[0].type).toBe('text')
      expect(body.messages[0].text.length).toBeLessThanOrEqual(5000)
    }
    expect(second?.headers['x-line-retry-key']).toBe(first?.headers['x-line-retry-key'])
    const text: string = JSON.parse(second?.body ?? '{}').messages[0].text
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '【注意】水位が高すぎます',
        '場所: Tanaka north p-line',
        '現在値: 16.5 cm(基準 15 cm)',
        '対応: 排水口の堰板を下げるか水口を閉じてください。苗が水没しないよう注意してください。',
        expect.stringMatching(/^確認する: https:\/\/mimamori\.example\.jp\/#\/alerts\/\d+$/),
      ]),
    )
    expect(text).toMatch(/傾向: 直近1分で \+7\.5 cm/)
  })
})
