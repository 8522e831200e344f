import nodemailer from 'nodemailer'
import { notificationSubject, notificationText, notificationTextEn } from '../message.js'
import { type ChannelSender, type Delivery, PermanentDeliveryError } from './dispatcher.js'

/**
 * Email over SMTP with nodemailer: Japanese first, English below, plain text (phones, screen
 * readers, and mail gateways that strip HTML all read it the same). The Message-ID is the
 * idempotency key, so a client shows a retried message once.
 */
export function createEmailSender(opts: {
  smtpUrl: string
  from: string
  publicUrl: string
  timeZone: string
  timeoutMs: number
}): ChannelSender & { close(): void } {
  const url = new URL(opts.smtpUrl)
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // a local relay without TLS (tests, an on-site relay) is allowed by `?tls=off`
    ...(url.searchParams.get('tls') === 'off' ? { ignoreTLS: true } : {}),
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  })
  return {
    channel: 'email',
    async send(delivery: Delivery) {
      if (delivery.target.channel !== 'email') throw new PermanentDeliveryError('not an email target')
      const { event } = delivery
      const ackUrl = `${opts.publicUrl}/#/alerts/${event.alert.id}`
      try {
        await transport.sendMail({
          from: opts.from,
          to: delivery.target.to,
          subject: notificationSubject(event),
          text: `${notificationText(event, { ackUrl, timeZone: opts.timeZone })}\n\n---\n${notificationTextEn(event)}\n`,
          messageId: `<${delivery.idempotencyKey}@mimamori>`,
          headers: { 'X-Mimamori-Alert-Id': String(event.alert.id), 'X-Mimamori-Event': event.event },
        })
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode
        // 5xx from the server: the mailbox or message is refused; 4xx and network errors pass
        if (code !== undefined && code >= 500)
          throw new PermanentDeliveryError(`SMTP ${code}: ${(err as Error).message}`)
        throw err
      }
    },
    close: () => transport.close(),
  }
}
