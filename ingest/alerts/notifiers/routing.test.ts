import { describe, expect, it } from 'vitest'
import type { AlertEvent } from '../notifier.js'
import { ContactGroupSchema, SubscriptionSchema } from './contacts.js'
import { isQuiet, recipientsFor } from './routing.js'

const JST = (time: string) => Date.parse(`2026-09-16T${time}:00+09:00`)
const TZ = 'Asia/Tokyo'

const event = (over: Partial<AlertEvent['alert']> = {}, e: Partial<AlertEvent> = {}): AlertEvent =>
  ({
    event: 'raised',
    groups: ['duty'],
    alert: {
      id: 7,
      ruleId: 'r',
      deviceId: 'r-01',
      severity: 'warning',
      site: 'Ikeda',
      kind: 'reservoir',
      ...over,
    },
    ...e,
  }) as AlertEvent

describe('quiet hours', () => {
  const night = { from: '22:00', to: '06:00', allowCritical: true }
  it('spans midnight in local (Japan) time', () => {
    expect(isQuiet(night, 'warning', JST('23:30'), TZ)).toBe(true)
    expect(isQuiet(night, 'warning', JST('05:59'), TZ)).toBe(true)
    expect(isQuiet(night, 'warning', JST('06:00'), TZ)).toBe(false)
    expect(isQuiet({ from: '12:00', to: '13:00', allowCritical: true }, 'watch', JST('12:30'), TZ)).toBe(true)
  })
  it('lets critical alerts through unless told not to', () => {
    expect(isQuiet(night, 'critical', JST('23:30'), TZ)).toBe(false)
    expect(isQuiet({ ...night, allowCritical: false }, 'critical', JST('23:30'), TZ)).toBe(true)
  })
})

describe('recipients', () => {
  const dir = {
    groups: new Map([
      [
        'duty',
        ContactGroupSchema.parse({
          name: 'Reservoir duty',
          members: [
            { user: 'sato' },
            { channel: 'webhook', url: 'https://city.example.jp/hook', secret: 'x'.repeat(16) },
            { channel: 'email', to: 'night@example.jp', minSeverity: 'critical' },
          ],
        }),
      ],
    ]),
    subscriptions: new Map([
      [
        'sato',
        SubscriptionSchema.parse({
          channels: { email: 'sato@example.jp', line: `U${'a'.repeat(32)}` },
          quietHours: { from: '22:00', to: '06:00' },
        }),
      ],
      [
        'tanaka',
        SubscriptionSchema.parse({
          sites: ['Ikeda'],
          minSeverity: 'watch',
          channels: { email: 'tanaka@example.jp' },
        }),
      ],
      ['suzuki', SubscriptionSchema.parse({ sites: ['Other'], channels: { email: 'suzuki@example.jp' } })],
    ]),
  }
  const addresses = (e: AlertEvent, at: string) =>
    recipientsFor(e, dir, JST(at), TZ).map((t) => (t.channel === 'webhook' ? t.url : `${t.channel}:${t.to}`))

  it('tells the group’s members and the users following that site and severity, once each', () => {
    expect(addresses(event(), '10:00')).toEqual([
      'email:sato@example.jp',
      `line:U${'a'.repeat(32)}`,
      'https://city.example.jp/hook',
      'email:tanaka@example.jp',
    ])
  })

  it('respects quiet hours and minimum severities', () => {
    expect(addresses(event(), '23:00')).toEqual(['https://city.example.jp/hook', 'email:tanaka@example.jp'])
    expect(addresses(event({ severity: 'critical' }), '23:00')).toContain('email:night@example.jp')
    expect(addresses(event({ severity: 'critical' }), '23:00')).toContain('email:sato@example.jp')
  })

  it('sends escalations to the group only, not to followers', () => {
    expect(addresses(event({}, { event: 'escalated' }), '10:00')).not.toContain('email:tanaka@example.jp')
  })
})
