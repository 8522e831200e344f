import { z } from 'zod'
import { DEVICE_KINDS } from '../../../firmware-contracts/index.js'
import type { Severity } from '../../store/meta-store.js'
import { SEVERITIES } from '../severity.js'

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24 h')

/** No messages between `from` and `to` (local time; may span midnight), except critical ones if allowed. */
export const QuietHoursSchema = z.strictObject({
  from: HHMM,
  to: HHMM,
  allowCritical: z.boolean().default(true),
})
export type QuietHours = z.output<typeof QuietHoursSchema>

/** A LINE user, group or room id as the Messaging API gives them. */
const LineId = z.string().regex(/^[UCR][0-9a-f]{32}$/, 'a LINE user (U…), group (C…) or room (R…) id')
const filters = {
  name: z.string().min(1).max(100).optional(),
  minSeverity: z.enum(SEVERITIES).optional(),
  quietHours: QuietHoursSchema.optional(),
}

export const ContactSchema = z.union([
  /** A dashboard user: their subscription says on which channels and when. */
  z.strictObject({ user: z.string().min(1).max(64) }),
  z.strictObject({ channel: z.literal('email'), to: z.email(), ...filters }),
  z.strictObject({ channel: z.literal('line'), to: LineId, ...filters }),
  /** City systems and chat tools; signed with `secret` (else WEBHOOK_SECRET). */
  z.strictObject({
    channel: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16).max(256).optional(),
    ...filters,
  }),
])
export type Contact = z.output<typeof ContactSchema>

/** One rung of an escalation ladder, e.g. `reservoir-duty` (the first told) or `bureau-managers`. */
export const ContactGroupSchema = z.strictObject({
  name: z.string().min(1).max(100),
  members: z.array(ContactSchema).max(200),
})
export type ContactGroup = z.output<typeof ContactGroupSchema>

/** What a user wants to hear about, where, and when not. */
export const SubscriptionSchema = z.strictObject({
  /** null or absent = every site. */
  sites: z.array(z.string().min(1).max(100)).max(500).nullable().optional(),
  kinds: z.array(z.enum(DEVICE_KINDS)).nullable().optional(),
  minSeverity: z.enum(SEVERITIES).default('warning'),
  channels: z
    .strictObject({ email: z.email().optional(), line: LineId.optional() })
    .refine((c) => c.email || c.line, 'give at least one channel (email or line)'),
  quietHours: QuietHoursSchema.optional(),
  /** Besides the groups they are in, receive matching alerts as they are raised and cleared. */
  follow: z.boolean().default(true),
})
export type Subscription = z.output<typeof SubscriptionSchema>

/** Where one delivery goes. */
export type Target =
  | { channel: 'email'; to: string; label: string }
  | { channel: 'line'; to: string; label: string }
  | { channel: 'webhook'; url: string; secret?: string; label: string }

export const targetKey = (t: Target) =>
  t.channel === 'webhook' ? `webhook:${t.url}` : `${t.channel}:${t.to}`

/** A contact's address without secrets, for logs and the dead-letter table. */
export const targetAddress = (t: Target) => (t.channel === 'webhook' ? t.url.replace(/\?.*$/, '') : t.to)

export type { Severity }
