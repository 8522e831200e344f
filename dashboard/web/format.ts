import { unitOf } from '../../firmware-contracts/kinds.js'
import { hasKey, type Lang, LOCALES, type Translate } from './i18n/translate.js'

/**
 * Every time on the dashboard is local time at the devices, whatever the viewer's clock says:
 * Asia/Tokyo unless the server says otherwise (DASHBOARD_TIME_ZONE, sent with GET /me).
 */
export const DEFAULT_TIME_ZONE = 'Asia/Tokyo'
let timeZone = DEFAULT_TIME_ZONE

export const currentTimeZone = (): string => timeZone

/** Ignores a zone the browser does not know, so a typo on the server never breaks every date. */
export function setTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    timeZone = zone
  } catch {
    timeZone = DEFAULT_TIME_ZONE
  }
}

/** Decimals worth showing per unit: sensors resolve about this much, more digits are noise. */
const DECIMALS: Record<string, number> = { cm: 1, m: 2, '°C': 1, V: 2, dBm: 0, 'mm/h': 1 }

/** Accepts epoch ms, an ISO string or a numeric string, as the API may send either. */
export function toEpochMs(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  const asNumber = Number(value)
  if (Number.isFinite(asNumber)) return asNumber
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? null : parsed
}

/** Number with the unit the contract gives the metric. @example formatValue('water_depth_cm', 3.14, 'ja') // '3.1 cm' */
export function formatValue(metric: string, value: number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const unit = unitOf(metric)
  const digits = DECIMALS[unit] ?? 2
  const number = new Intl.NumberFormat(LOCALES[lang], {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value)
  return unit ? `${number} ${unit}` : number
}

/** Localised metric name, falling back to the raw name for metrics the catalogue does not know. */
export function metricLabel(metric: string, t: Translate): string {
  const key = `metric.${metric}`
  return hasKey(key) ? t(key) : metric
}

export function kindLabel(kind: string, t: Translate): string {
  const key = `kind.${kind}`
  return hasKey(key) ? t(key) : kind
}

/** Paddy crop stage (`tillering` → 分げつ期), or the raw name for a stage the catalogue lacks. */
export function stageLabel(stage: string, t: Translate): string {
  const key = `stage.${stage}`
  return hasKey(key) ? t(key) : stage
}

export function roleLabel(role: string, t: Translate): string {
  const key = `role.${role}`
  return hasKey(key) ? t(key) : role
}

function tokyoParts(ms: number): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: currentTimeZone(),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms)
  return Object.fromEntries(parts.map((p) => [p.type, p.value]))
}

/** `HH:MM` in Tokyo. @example formatClock(Date.UTC(2025, 0, 1, 0, 5)) // '09:05' */
export function formatClock(ms: number): string {
  const p = tokyoParts(ms)
  return `${p.hour}:${p.minute}`
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * A moment in Tokyo time, as short as stays unambiguous: `HH:MM:SS` today, then the date without
 * or with the year. Japanese reads `7/1 09:05`; English gets `1 Jul 09:05`, because `7/1` means
 * 7 January to a British or Australian reader.
 */
export function formatMoment(ms: number | null, now: number, lang: Lang = 'ja'): string {
  if (ms === null) return '—'
  const p = tokyoParts(ms)
  const n = tokyoParts(now)
  const time = `${p.hour}:${p.minute}`
  if (p.year === n.year && p.month === n.month && p.day === n.day) return `${time}:${p.second}`
  const sameYear = p.year === n.year
  if (lang === 'en') {
    const date = `${Number(p.day)} ${EN_MONTHS[Number(p.month) - 1]}`
    return sameYear ? `${date} ${time}` : `${date} ${p.year} ${time}`
  }
  const date = `${Number(p.month)}/${Number(p.day)}`
  return sameYear ? `${date} ${time}` : `${p.year}/${date} ${time}`
}

/** ISO 8601 for `<time datetime>`, so assistive tech and copy-paste get the exact instant. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * Tick label of a time axis, as coarse as the span allows: `09:05` within a day and a half, then
 * the date, then the month. @example formatAxisTime(Date.UTC(2025, 6, 1), 7 * 86_400_000, 'ja') // '7/1'
 */
export function formatAxisTime(ms: number, spanMs: number, lang: Lang = 'ja'): string {
  const p = tokyoParts(ms)
  if (spanMs <= 36 * 3_600_000) return `${p.hour}:${p.minute}`
  const month = Number(p.month)
  if (spanMs <= 62 * 86_400_000)
    return lang === 'en' ? `${Number(p.day)} ${EN_MONTHS[month - 1]}` : `${month}/${Number(p.day)}`
  return lang === 'en' ? `${EN_MONTHS[month - 1]} ${p.year}` : `${p.year}/${month}`
}
