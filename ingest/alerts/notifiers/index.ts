import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { AlertConfigStore, NotificationDeadLetterStore } from '../../store/meta-store.js'
import type { AlertConfig } from '../config.js'
import type { Notifier } from '../notifier.js'
import { type ContactGroup, ContactGroupSchema, type Subscription, SubscriptionSchema } from './contacts.js'
import { type ChannelSender, createDispatcher } from './dispatcher.js'
import { createEmailSender } from './email.js'
import { createLineSender } from './line.js'
import { type Directory, recipientsFor } from './routing.js'
import { createWebhookSender } from './webhook.js'

export interface AlertDelivery {
  /** Routes each event to contact groups and subscribers, then delivers with retries. */
  notifier: Notifier
  /** Re-reads contact groups and subscriptions after an edit. */
  reload(): Promise<void>
  channels: string[]
  idle(): Promise<void>
  close(): Promise<void>
}

/** Webhooks always (they carry their URL); email with SMTP_URL; LINE with LINE_CHANNEL_TOKEN. */
export async function createAlertDelivery(
  config: AlertConfig,
  deps: {
    store: AlertConfigStore & NotificationDeadLetterStore
    log: Logger
    metrics?: Registry
    fetch?: typeof fetch
    now?: () => number
  },
): Promise<AlertDelivery> {
  const log = deps.log.child({ component: 'notify' })
  const common = { publicUrl: config.publicUrl, timeZone: config.timeZone, timeoutMs: config.retry.timeoutMs }
  const senders: ChannelSender[] = [
    createWebhookSender({
      ...common,
      defaultSecret: config.webhookSecret,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
  ]
  const email = config.smtpUrl
    ? createEmailSender({ ...common, smtpUrl: config.smtpUrl, from: config.emailFrom })
    : undefined
  if (email) senders.push(email)
  if (config.lineToken)
    senders.push(
      createLineSender({
        ...common,
        token: config.lineToken,
        apiBase: config.lineApiBase,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      }),
    )

  let directory: Directory = { groups: new Map(), subscriptions: new Map() }
  const reload = async () => {
    const groups = new Map<string, ContactGroup>()
    for (const row of await deps.store.listContactGroups()) {
      const parsed = ContactGroupSchema.safeParse(row.spec)
      if (parsed.success) groups.set(row.id, parsed.data)
      else log.error({ group: row.id }, 'stored contact group is invalid; skipped')
    }
    const subscriptions = new Map<string, Subscription>()
    for (const row of await deps.store.listSubscriptions()) {
      const parsed = SubscriptionSchema.safeParse(row.spec)
      if (parsed.success) subscriptions.set(row.username, parsed.data)
      else log.error({ username: row.username }, 'stored subscription is invalid; skipped')
    }
    directory = { groups, subscriptions }
  }
  await reload()

  const now = deps.now ?? Date.now
  const dispatcher = createDispatcher({
    senders,
    route: (event) => recipientsFor(event, directory, now(), config.timeZone),
    deadLetters: deps.store,
    retry: config.retry,
    log,
    now,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  })
  log.info({ channels: senders.map((s) => s.channel) }, 'alert notification channels')
  return {
    notifier: dispatcher,
    reload,
    channels: senders.map((s) => s.channel),
    idle: () => dispatcher.idle(),
    async close() {
      await dispatcher.close()
      email?.close()
    },
  }
}
