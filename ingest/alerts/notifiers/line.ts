import { createHash } from 'node:crypto'
import { notificationText } from '../message.js'
import { type ChannelSender, type Delivery, PermanentDeliveryError } from './dispatcher.js'
import { retryableStatus } from './webhook.js'

/** LINE refuses a text message over 5000 characters. */
const MAX_TEXT = 5000

/**
 * A UUID derived from the delivery's idempotency key: every retry of one delivery carries the same
 * `X-Line-Retry-Key`, so LINE sends it once (a repeat answers 409) however often we retry.
 */
export function retryKeyOf(idempotencyKey: string): string {
  const h = createHash('sha256').update(idempotencyKey).digest('hex')
  // version 4 / variant 1 bits, as a random UUID would have them
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * LINE Messaging API push (LINE Notify ended in March 2025): `POST {base}/v2/bot/message/push` with
 * the channel access token, `{ to, messages: [{ type: 'text', text }] }` and a retry key.
 * https://developers.line.biz/en/reference/messaging-api/#send-push-message
 */
export function createLineSender(opts: {
  token: string
  apiBase: string
  timeoutMs: number
  publicUrl: string
  timeZone: string
  fetch?: typeof fetch
}): ChannelSender {
  const doFetch = opts.fetch ?? fetch
  return {
    channel: 'line',
    async send(delivery: Delivery) {
      if (delivery.target.channel !== 'line') throw new PermanentDeliveryError('not a LINE target')
      const ackUrl = `${opts.publicUrl}/#/alerts/${delivery.event.alert.id}`
      const text = notificationText(delivery.event, { ackUrl, timeZone: opts.timeZone }).slice(0, MAX_TEXT)
      let res: Response
      try {
        res = await doFetch(`${opts.apiBase}/v2/bot/message/push`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${opts.token}`,
            'x-line-retry-key': retryKeyOf(delivery.idempotencyKey),
          },
          body: JSON.stringify({ to: delivery.target.to, messages: [{ type: 'text', text }] }),
          signal: AbortSignal.timeout(opts.timeoutMs),
        })
      } catch (err) {
        throw new Error(`LINE unreachable: ${(err as Error).message}`)
      }
      const detail = await res.text().catch(() => '')
      // 409: an earlier try with this retry key was accepted already
      if (res.ok || res.status === 409) return
      if (retryableStatus(res.status)) throw new Error(`LINE answered ${res.status} ${detail.slice(0, 200)}`)
      throw new PermanentDeliveryError(`LINE refused with ${res.status} ${detail.slice(0, 200)}`)
    },
  }
}
