import type { Rule, Severity } from '../types.js'

export interface ThresholdLine {
  value: number
  severity: Severity
  /** `raise`: crossing it raises the alert; `clear`: the hysteresis level at which it clears. */
  role: 'raise' | 'clear'
  label: string
}

/** Horizontal lines for the rules that watch this metric with a fixed level. */
export function thresholdLines(rules: readonly Rule[], metric: string): ThresholdLine[] {
  const lines: ThresholdLine[] = []
  for (const rule of rules) {
    if (rule.metric !== metric || typeof rule.threshold !== 'number' || !Number.isFinite(rule.threshold))
      continue
    lines.push({ value: rule.threshold, severity: rule.severity, role: 'raise', label: rule.label })
    if (typeof rule.clear === 'number' && Number.isFinite(rule.clear) && rule.clear !== rule.threshold) {
      lines.push({ value: rule.clear, severity: rule.severity, role: 'clear', label: rule.label })
    }
  }
  return lines
}

/** Rules a chart of this metric draws, for the text list that repeats the lines in words. */
export function chartRules(rules: readonly Rule[], metric: string): Rule[] {
  return rules.filter(
    (r) => r.metric === metric && typeof r.threshold === 'number' && Number.isFinite(r.threshold),
  )
}
