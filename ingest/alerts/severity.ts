import { SEVERITY_RANK, type Severity } from '../store/meta-store.js'

export { SEVERITY_RANK }

export const SEVERITIES = ['info', 'watch', 'warning', 'critical'] as const satisfies readonly Severity[]

/**
 * Labels that never rely on colour (DESIGN.md): a word in each language and a distinct symbol, so
 * a text message, a screen reader and a monochrome display all tell the levels apart.
 */
export const SEVERITY_LABELS: Record<Severity, { ja: string; en: string; symbol: string }> = {
  info: { ja: '情報', en: 'Info', symbol: 'ⓘ' },
  watch: { ja: '注意', en: 'Watch', symbol: '△' },
  warning: { ja: '警戒', en: 'Warning', symbol: '▲' },
  critical: { ja: '危険', en: 'Critical', symbol: '✖' },
}

/** `【警戒】` / `[Warning]`: the prefix of every message and subject line. */
export function severityTag(severity: Severity, lang: 'ja' | 'en' = 'ja'): string {
  const label = SEVERITY_LABELS[severity]
  return lang === 'ja' ? `【${label.ja}】` : `[${label.en}]`
}

export function atLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum]
}
