import { describe, expect, it } from 'vitest'
import { en } from './i18n/en.js'
import { ja } from './i18n/ja.js'
import { countByStatus, STATUS_LOOK, STATUS_ORDER, statusLook } from './status.js'

describe('status look', () => {
  it('gives every status its own icon, so shape alone tells them apart', () => {
    const icons = Object.values(STATUS_LOOK).map((l) => l.icon)
    expect(new Set(icons).size).toBe(icons.length)
  })

  it('gives every status a label in both languages', () => {
    for (const look of Object.values(STATUS_LOOK)) {
      expect(ja[look.labelKey]).toBeTruthy()
      expect(en[look.labelKey]).toBeTruthy()
    }
  })

  it('orders critical worst and normal best', () => {
    expect(STATUS_ORDER[0]).toBe('critical')
    expect(STATUS_ORDER.at(-1)).toBe('normal')
    expect(STATUS_ORDER.indexOf('warning')).toBeLessThan(STATUS_ORDER.indexOf('watch'))
  })

  it('shows a status it does not know as unknown instead of failing', () => {
    expect(statusLook('maintenance').status).toBe('unknown')
    expect(statusLook('watch').labelKey).toBe('status.watch')
  })

  it('counts devices per status, worst first, skipping empty ones', () => {
    expect(countByStatus(['normal', 'critical', 'normal', 'weird'])).toEqual([
      { status: 'critical', count: 1 },
      { status: 'unknown', count: 1 },
      { status: 'normal', count: 2 },
    ])
  })
})
