import { en } from './en.js'
import { ja, type MessageKey } from './ja.js'

export type { MessageKey }
export const LANGS = ['ja', 'en'] as const
export type Lang = (typeof LANGS)[number]
export type Params = Record<string, string | number>
export type Translate = (key: MessageKey, params?: Params) => string

export const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { ja, en }

/** Where the chosen language is kept between visits. */
export const LANG_STORAGE_KEY = 'mimamori.lang'

/** BCP 47 locale used for Intl number and date formatting per UI language. */
export const LOCALES: Record<Lang, string> = { ja: 'ja-JP', en: 'en-GB' }

/** Fills `{name}` placeholders; an unknown placeholder is left visible so a missing param shows in review. */
export function fill(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  )
}

/** @example createTranslator('en')('status.watch') // 'Watch' */
export function createTranslator(lang: Lang): Translate {
  const catalogue = CATALOGUES[lang]
  return (key, params) => fill(catalogue[key], params)
}

/** Looks a key up only if it exists, e.g. `metric.<name>` for metrics a device may invent. */
export function hasKey(key: string): key is MessageKey {
  return Object.hasOwn(ja, key)
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value)
}

/** Japanese unless the user chose English before; storage may throw (private mode), which means default. */
export function readLang(storage: Pick<Storage, 'getItem'> | undefined): Lang {
  try {
    const saved = storage?.getItem(LANG_STORAGE_KEY)
    return isLang(saved) ? saved : 'ja'
  } catch {
    return 'ja'
  }
}

export function saveLang(storage: Pick<Storage, 'setItem'> | undefined, lang: Lang): void {
  try {
    storage?.setItem(LANG_STORAGE_KEY, lang)
  } catch {
    // Storage can be full or disabled; the switch still works for this page view.
  }
}
