import { describe, expect, it } from 'vitest'
import { en } from './en.js'
import { ja } from './ja.js'
import { CATALOGUES, createTranslator, fill, LANG_STORAGE_KEY, readLang, saveLang } from './translate.js'

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('message catalogues', () => {
  it('have exactly the same keys in Japanese and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort())
  })

  it('use the same placeholders for every key in both languages', () => {
    for (const key of Object.keys(ja) as Array<keyof typeof ja>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(ja[key]))
    }
  })

  it('have no empty messages', () => {
    for (const [lang, catalogue] of Object.entries(CATALOGUES)) {
      for (const [key, text] of Object.entries(catalogue)) expect(text.trim(), `${lang} ${key}`).not.toBe('')
    }
  })

  it('name the device kinds as users say them: 水田, ため池, レール', () => {
    const t = createTranslator('ja')
    expect([t('kind.paddy'), t('kind.reservoir'), t('kind.rail')]).toEqual(['水田', 'ため池', 'レール'])
  })

  it('uses the severity words of the design: 注意, 警戒, 危険', () => {
    const t = createTranslator('ja')
    expect([t('status.watch'), t('status.warning'), t('status.critical')]).toEqual(['注意', '警戒', '危険'])
  })
})

describe('translate', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fill('{a} and {b}', { a: 1 })).toBe('1 and {b}')
    expect(createTranslator('en')('conn.stale', { time: '09:05' })).toBe('Stale since 09:05')
  })

  it('defaults to Japanese and remembers English once chosen', () => {
    const store = new Map<string, string>()
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => store.set(k, v),
    }
    expect(readLang(storage)).toBe('ja')
    saveLang(storage, 'en')
    expect(store.get(LANG_STORAGE_KEY)).toBe('en')
    expect(readLang(storage)).toBe('en')
  })

  it('falls back to Japanese when storage is unavailable or holds junk', () => {
    const throwing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(readLang(throwing)).toBe('ja')
    expect(() => saveLang(throwing, 'en')).not.toThrow()
    expect(readLang({ getItem: () => 'fr' })).toBe('ja')
    expect(readLang(undefined)).toBe('ja')
  })
})
