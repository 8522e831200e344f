import './public.css'
import type { PublicReservoir } from '../types-admin.js'
import { type PublicKey, publicEn, publicJa } from './messages.js'

/**
 * The residents' page of one reservoir (`public.html?id=<id>`), or the list of all without an id:
 * no login, nothing internal (no device ids, thresholds or alerts), large type, refreshed every
 * minute, Japanese or English. Its own small bundle: none of the dashboard's charts or map.
 */

type Lang = 'ja' | 'en'
const REFRESH_MS = 60_000
const LANG_KEY = 'mimamori.lang'
/** Shapes per band, so the status reads without colour (same glyphs as the dashboard). */
const ICONS: Record<string, string> = {
  normal: '○',
  info: 'ⓘ',
  watch: '△',
  warning: '▲',
  critical: '✕',
  silent: '…',
  unknown: '?',
}

export function text(lang: Lang, key: PublicKey, params: Record<string, string> = {}): string {
  const template = (lang === 'en' ? publicEn : publicJa)[key]
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole)
}

/** `7/1 09:05` (ja) or `1 Jul 09:05` (en), always in Japan time. */
export function tokyoTime(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ja-JP', {
    timeZone: 'Asia/Tokyo',
    month: lang === 'en' ? 'short' : 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms)
}

export function bandIcon(band: string): string {
  return ICONS[band] ?? '?'
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c)
  return node
}

function readLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'ja'
  } catch {
    return 'ja'
  }
}

function start(): void {
  const main = document.getElementById('main') as HTMLElement
  const announce = document.getElementById('announce') as HTMLElement
  const id = new URLSearchParams(location.search).get('id')
  let lang = readLang()
  let data: PublicReservoir[] | undefined
  let problem: PublicKey | undefined
  let checkedAt: number | undefined
  const bands = new Map<string, string>()

  const time = (ms: number) => el('time', { datetime: new Date(ms).toISOString() }, tokyoTime(ms, lang))

  function card(r: PublicReservoir, big: boolean): HTMLElement {
    const label = r.bandLabel[lang] ?? r.band
    return el(
      'section',
      { class: `reservoir band-${r.band}${big ? ' big' : ''}`, 'aria-labelledby': `name-${r.id}` },
      el(
        big ? 'h1' : 'h2',
        { id: `name-${r.id}` },
        big ? r.name : el('a', { href: `?id=${encodeURIComponent(r.id)}` }, r.name),
      ),
      el(
        'p',
        { class: 'band' },
        el('span', { class: 'visually-hidden' }, `${text(lang, 'band')}: `),
        el('span', { class: 'band-icon', 'aria-hidden': 'true' }, bandIcon(r.band)),
        ' ',
        label,
      ),
      el(
        'p',
        { class: 'level' },
        r.level === null
          ? text(lang, 'noLevel')
          : `${text(lang, 'level')} ${r.level.value.toLocaleString(lang === 'en' ? 'en-GB' : 'ja-JP', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${r.level.unit}`,
      ),
      el(
        'p',
        { class: 'updated' },
        r.lastUpdate === null
          ? text(lang, 'neverUpdated')
          : el('span', {}, text(lang, 'updated', { time: '' }), time(r.lastUpdate)),
      ),
    )
  }

  function render(): void {
    document.documentElement.lang = lang
    document.title = text(lang, id ? 'title' : 'listTitle')
    const other: Lang = lang === 'ja' ? 'en' : 'ja'
    const toggle = el(
      'button',
      { type: 'button', lang: other, 'aria-describedby': 'lang-hint' },
      text(lang, 'switch'),
    )
    toggle.addEventListener('click', () => {
      lang = other
      try {
        localStorage.setItem(LANG_KEY, lang)
      } catch {
        // Private mode: the switch still holds for this visit.
      }
      render()
      document.querySelector<HTMLButtonElement>('.lang button')?.focus()
    })
    const body: HTMLElement[] = []
    if (problem !== undefined && data === undefined)
      body.push(el('p', { class: 'problem', role: 'alert' }, text(lang, problem)))
    else if (data === undefined) body.push(el('p', {}, '…'))
    else {
      if (problem !== undefined && checkedAt !== undefined)
        body.push(
          el(
            'p',
            { class: 'problem', role: 'alert' },
            text(lang, 'stale', { time: tokyoTime(checkedAt, lang) }),
          ),
        )
      if (data.length === 0) body.push(el('p', {}, text(lang, 'none')))
      for (const r of data) body.push(card(r, id !== null))
    }
    main.replaceChildren(
      el(
        'div',
        { class: 'lang' },
        toggle,
        el('span', { id: 'lang-hint', class: 'visually-hidden' }, text(lang, 'switchHint')),
      ),
      id === null ? el('h1', {}, text(lang, 'listTitle')) : '',
      el('p', { class: 'intro' }, text(lang, 'intro')),
      ...body,
      checkedAt !== undefined
        ? el('p', { class: 'checked' }, text(lang, 'checked', { time: tokyoTime(checkedAt, lang) }))
        : '',
      el('p', { class: 'note' }, text(lang, 'note')),
      id !== null ? el('p', {}, el('a', { href: '?' }, text(lang, 'all'))) : '',
    )
  }

  async function load(): Promise<void> {
    try {
      const res = await fetch(`api/v1/public/reservoirs${id === null ? '' : `/${encodeURIComponent(id)}`}`, {
        headers: { accept: 'application/json' },
      })
      if (res.status === 404) problem = 'notFound'
      else if (res.status === 429) problem = 'busy'
      else if (!res.ok) problem = 'error'
      else {
        const body = (await res.json()) as PublicReservoir | { reservoirs: PublicReservoir[] }
        const list = 'reservoirs' in body ? body.reservoirs.filter((r) => r !== null) : [body]
        for (const r of list) {
          const before = bands.get(r.id)
          if (before !== undefined && before !== r.band)
            announce.textContent = text(lang, 'changed', { name: r.name, band: r.bandLabel[lang] ?? r.band })
          bands.set(r.id, r.band)
        }
        data = list
        problem = undefined
        checkedAt = Date.now()
      }
    } catch {
      problem = 'error'
    }
    render()
  }

  render()
  void load()
  setInterval(() => void load(), REFRESH_MS)
}

if (typeof document !== 'undefined' && document.getElementById('main') !== null) start()
