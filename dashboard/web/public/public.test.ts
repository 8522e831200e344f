import { describe, expect, it } from 'vitest'
import { publicEn, publicJa } from './messages.js'
import { bandIcon, text, tokyoTime } from './public.js'

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('public reservoir page', () => {
  it('has every message in both languages with the same placeholders', () => {
    expect(Object.keys(publicEn).sort()).toEqual(Object.keys(publicJa).sort())
    for (const key of Object.keys(publicJa) as Array<keyof typeof publicJa>)
      expect(placeholders(publicEn[key]), key).toEqual(placeholders(publicJa[key]))
  })

  it('fills messages and shows times in Japan time', () => {
    expect(text('ja', 'updated', { time: '09:05' })).toBe('最終更新 09:05')
    const ms = Date.UTC(2025, 6, 1, 0, 5)
    expect(tokyoTime(ms, 'ja')).toContain('09:05')
    expect(tokyoTime(ms, 'en')).toContain('Jul')
  })

  it('gives each band a shape, so it never depends on colour alone', () => {
    const icons = ['normal', 'watch', 'warning', 'critical', 'silent'].map(bandIcon)
    expect(new Set(icons).size).toBe(icons.length)
  })
})
