import { describe, expect, it } from 'vitest'
import type { AlertEvent } from '../notifier.js'
import type { Delivery } from './dispatcher.js'
import { createLineSender, retryKeyOf } from './line.js'
import { createWebhookSender, signWebhook, verifyWebhook } from './webhook.js'

const NOW = Date.UTC(2026, 8, 16, 0, 0, 0)
const event = {
  event: 'raised',
  alert: {
    id: 12,
    deviceId: 'r-01',
    site: 'Ikeda',
    severity: 'warning',
    message: 'm',
    raisedAt: NOW,
    evidence: null,
  },
  rule: {
    label: 'Level high',
    labelJa: '貯水位が洪水吐に近づいています',
    actionJa: '監視体制に入ってください。',
  },
} as unknown as AlertEvent

function recordingFetch(status: number) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    return new Response(status === 200 ? '{}' : 'no', { status })
  }) as unknown as typeof globalThis.fetch
  return { fetch, calls }
}

describe('signed webhooks', () => {
  it('signs timestamp and body so the receiver can verify and reject replays', () => {
    const secret = 's'.repeat(20)
    const body = '{"event":"raised"}'
    const ts = String(NOW / 1000)
    const headers = { signature: signWebhook(secret, ts, body), timestamp: ts }
    expect(headers.signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(verifyWebhook(secret, headers, body, NOW)).toBe(true)
    expect(verifyWebhook(secret, headers, `${body} `, NOW)).toBe(false)
    expect(verifyWebhook('t'.repeat(20), headers, body, NOW)).toBe(false)
    expect(verifyWebhook(secret, headers, body, NOW + 10 * 60_000)).toBe(false)
  })

  it('posts JSON with signature, timestamp and idempotency key; 5xx retries, 4xx is permanent', async () => {
    const ok = recordingFetch(200)
    const sender = createWebhookSender({
      defaultSecret: 'k'.repeat(16),
      timeoutMs: 1000,
      publicUrl: 'https://mimamori.example.jp',
      timeZone: 'Asia/Tokyo',
      now: () => NOW,
      fetch: ok.fetch,
    })
    const delivery: Delivery = {
      target: { channel: 'webhook', url: 'http://receiver/hook', label: 'x' },
      event,
      idempotencyKey: 'alert-12-raised-0-abc',
      attempt: 1,
    }
    await sender.send(delivery)
    const headers = ok.calls[0]?.init.headers as Record<string, string>
    expect(headers['idempotency-key']).toBe('alert-12-raised-0-abc')
    expect(
      verifyWebhook(
        'k'.repeat(16),
        { signature: headers['x-mimamori-signature'], timestamp: headers['x-mimamori-timestamp'] },
        String(ok.calls[0]?.init.body),
        NOW,
      ),
    ).toBe(true)
    expect(JSON.parse(String(ok.calls[0]?.init.body))).toMatchObject({
      id: 'alert-12-raised-0-abc',
      event: 'raised',
      alert: { id: 12 },
    })

    const busy = createWebhookSender({
      defaultSecret: 'k'.repeat(16),
      timeoutMs: 1000,
      publicUrl: '',
      timeZone: 'Asia/Tokyo',
      fetch: recordingFetch(503).fetch,
    })
    await expect(busy.send(delivery)).rejects.not.toHaveProperty('permanent')
    const gone = createWebhookSender({
      defaultSecret: 'k'.repeat(16),
      timeoutMs: 1000,
      publicUrl: '',
      timeZone: 'Asia/Tokyo',
      fetch: recordingFetch(410).fetch,
    })
    await expect(gone.send(delivery)).rejects.toHaveProperty('permanent', true)
  })
})

describe('LINE push', () => {
  it('derives one UUID retry key per delivery', () => {
    const key = retryKeyOf('alert-12-raised-0-abc')
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(retryKeyOf('alert-12-raised-0-abc')).toBe(key)
    expect(retryKeyOf('alert-12-cleared-0-abc')).not.toBe(key)
  })

  it('treats 409 (already accepted under this retry key) as delivered', async () => {
    const conflict = recordingFetch(409)
    const sender = createLineSender({
      token: 't',
      apiBase: 'http://line',
      timeoutMs: 1000,
      publicUrl: 'https://m',
      timeZone: 'Asia/Tokyo',
      fetch: conflict.fetch,
    })
    await sender.send({
      target: { channel: 'line', to: `U${'a'.repeat(32)}`, label: 'x' },
      event,
      idempotencyKey: 'k',
      attempt: 2,
    })
    expect(conflict.calls[0]?.url).toBe('http://line/v2/bot/message/push')
  })
})
