import type { Severity } from '../../store/meta-store.js'
import type { AlertEvent } from '../notifier.js'
import { atLeast } from '../severity.js'
import {
  type Contact,
  type ContactGroup,
  type QuietHours,
  type Subscription,
  type Target,
  targetKey,
} from './contacts.js'

/** Minutes since local midnight in `timeZone`. */
export function localMinutes(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return get('hour') * 60 + get('minute')
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * Inside quiet hours (and the alert not a critical one they let through)? A window may span
 * midnight: 22:00–06:00 is quiet at 23:30 and at 05:59.
 * @example isQuiet({ from: '22:00', to: '06:00', allowCritical: true }, 'warning', at2300Jst, 'Asia/Tokyo') // true
 */
export function isQuiet(
  quiet: QuietHours | undefined,
  severity: Severity,
  now: number,
  timeZone: string,
): boolean {
  if (!quiet) return false
  if (severity === 'critical' && quiet.allowCritical) return false
  const m = localMinutes(now, timeZone)
  const from = minutesOf(quiet.from)
  const to = minutesOf(quiet.to)
  return from <= to ? m >= from && m < to : m >= from || m < to
}

export interface Directory {
  groups: ReadonlyMap<string, ContactGroup>
  subscriptions: ReadonlyMap<string, Subscription>
}

function userTargets(username: string, sub: Subscription | undefined): Target[] {
  if (!sub) return []
  const out: Target[] = []
  if (sub.channels.email) out.push({ channel: 'email', to: sub.channels.email, label: username })
  if (sub.channels.line) out.push({ channel: 'line', to: sub.channels.line, label: username })
  return out
}

function contactTargets(contact: Exclude<Contact, { user: string }>): Target {
  const label = contact.name ?? (contact.channel === 'webhook' ? contact.url : contact.to)
  if (contact.channel === 'webhook')
    return {
      channel: 'webhook',
      url: contact.url,
      ...(contact.secret ? { secret: contact.secret } : {}),
      label,
    }
  return { channel: contact.channel, to: contact.to, label }
}

const followsAlert = (sub: Subscription, alert: AlertEvent['alert']) =>
  sub.follow &&
  atLeast(alert.severity, sub.minSeverity) &&
  (!sub.sites || (alert.site !== null && sub.sites.includes(alert.site))) &&
  (!sub.kinds || sub.kinds.includes(alert.kind as never))

/**
 * Who hears about one alert event, on which channel: the members of the contact groups the event
 * is for (its escalation level), then users whose subscription follows the alert's site, kind and
 * severity (raised and cleared only: escalations go to groups). Quiet hours and minimum severities
 * filter; one address gets one message per event however many ways it matched.
 */
export function recipientsFor(event: AlertEvent, dir: Directory, now: number, timeZone: string): Target[] {
  const { alert } = event
  const out = new Map<string, Target>()
  const add = (t: Target) => {
    if (!out.has(targetKey(t))) out.set(targetKey(t), t)
  }
  for (const groupId of event.groups ?? []) {
    for (const member of dir.groups.get(groupId)?.members ?? []) {
      if ('user' in member) {
        const sub = dir.subscriptions.get(member.user)
        if (isQuiet(sub?.quietHours, alert.severity, now, timeZone)) continue
        for (const t of userTargets(member.user, sub)) add(t)
        continue
      }
      if (member.minSeverity && !atLeast(alert.severity, member.minSeverity)) continue
      if (isQuiet(member.quietHours, alert.severity, now, timeZone)) continue
      add(contactTargets(member))
    }
  }
  if (event.event === 'raised' || event.event === 'cleared') {
    for (const [username, sub] of dir.subscriptions) {
      if (!followsAlert(sub, alert) || isQuiet(sub.quietHours, alert.severity, now, timeZone)) continue
      for (const t of userTargets(username, sub)) add(t)
    }
  }
  return [...out.values()]
}
