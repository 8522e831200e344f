import { createHmac, timingSafeEqual } from 'node:crypto'
import { notificationText } from '../message.js'
import { type ChannelSender, type Delivery, PermanentDeliveryError } from './dispatcher.js'

export const SIGNATURE_HEADER = 'x-mimamori-signature'
export const TIMESTAMP_HEADER = 'x-mimamori-timestamp'
export const IDEMPOTENCY_HEADER = 'idempotency-key'
export const EVENT_HEADER = 'x-mimamori-event'

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): the timestamp is signed with the
 * body, so a captured request cannot be replayed later with a new timestamp.
 * @example signWebhook('s3cret-s3cret-s3cret', '1790000000', '{"event":"raised"}')
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * What a receiver does: recompute the signature over the raw body and reject old timestamps.
 * @example verifyWebhook(secret, headers, rawBody, Date.now()) // true
 */
export function verifyWebhook(
  secret: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  body: string,
  now: number,
  toleranceMs = 5 * 60_000,
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d+$/.test(headers.timestamp)) return false
  if (Math.abs(now - Number(headers.timestamp) * 1000) > toleranceMs) return false
  const expected = Buffer.from(signWebhook(secret, headers.timestamp, body))
  const given = Buffer.from(headers.signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** Statuses worth trying again: the receiver is busy or broken now, not refusing this message. */
export const retryableStatus = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500

/** Signed JSON webhooks for city systems and chat tools (docs/alerts.md, "Webhooks"). */
export function createWebhookSender(opts: {
  defaultSecret?: string | undefined
  timeoutMs: number
  publicUrl: string
  timeZone: string
  now?: () => number
  fetch?: typeof fetch
}): ChannelSender {
  const now = opts.now ?? Date.now
  const doFetch = opts.fetch ?? fetch
  return {
    channel: 'webhook',
    async send(delivery: Delivery) {
      if (delivery.target.channel !== 'webhook') throw new PermanentDeliveryError('not a webhook target')
      const secret = delivery.target.secret ?? opts.defaultSecret
      if (!secret)
        throw new PermanentDeliveryError('no signing secret: set one on the contact or WEBHOOK_SECRET')
      const { event } = delivery
      const ackUrl = `${opts.publicUrl}/#/alerts/${event.alert.id}`
      const body = JSON.stringify({
        id: delivery.idempotencyKey,
        event: event.event,
        sentAt: new Date(now()).toISOString(),
        alert: event.alert,
        ...(event.actor ? { actor: event.actor } : {}),
        ...(event.note ? { note: event.note } : {}),
        text: notificationText(event, { ackUrl, timeZone: opts.timeZone }),
        links: { acknowledge: ackUrl, api: `${opts.publicUrl}/api/v1/alerts/${event.alert.id}` },
      })
      const timestamp = String(Math.floor(now() / 1000))
      let res: Response
      try {
        res = await doFetch(delivery.target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'mimamori-webhook/1',
            [EVENT_HEADER]: event.event,
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
            [IDEMPOTENCY_HEADER]: delivery.idempotencyKey,
          },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: 'error',
        })
      } catch (err) {
        throw new Error(`webhook unreachable: ${(err as Error).message}`)
      }
      await res.body?.cancel()
      if (res.ok) return
      if (retryableStatus(res.status)) throw new Error(`webhook answered ${res.status}`)
      throw new PermanentDeliveryError(`webhook refused with ${res.status}`)
    },
  }
}
