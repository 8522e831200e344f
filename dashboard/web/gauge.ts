import { h } from './dom.js'
import type { Severity } from './types.js'

export interface GaugeMark {
  value: number
  severity: Severity
  label: string
}

export interface GaugeOptions {
  value: number | undefined
  marks: readonly GaugeMark[]
  /** The band the value should stay in (a paddy's target depth), drawn as a shaded stretch. */
  band?: { low?: number | undefined; high?: number | undefined }
}

/** Scale of a gauge: the value, the marks and the band all in view, with a margin. */
export function gaugeScale(options: GaugeOptions): [number, number] {
  const values = [
    options.value,
    ...options.marks.map((m) => m.value),
    options.band?.low,
    options.band?.high,
  ].filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (values.length === 0) return [0, 1]
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.1 || 1
  return [lo - pad, hi + pad]
}

/**
 * A horizontal bar: where the value stands against its lines (rail watch / action) or its band
 * (paddy target). Decorative: the page writes the same out in words beside it, so it is hidden
 * from screen readers, and each line carries its severity word, not only its colour.
 */
export function gauge(options: GaugeOptions): HTMLElement {
  const [lo, hi] = gaugeScale(options)
  const pct = (v: number) => `${Math.max(0, Math.min(100, ((v - lo) / (hi - lo)) * 100)).toFixed(1)}%`
  const { band, value } = options
  return h(
    'div',
    { class: 'gauge', 'aria-hidden': 'true' },
    band &&
      (band.low !== undefined || band.high !== undefined) &&
      h('span', {
        class: 'gauge-band',
        style: `left:${pct(band.low ?? lo)};right:calc(100% - ${pct(band.high ?? hi)})`,
      }),
    options.marks.map((m) =>
      h(
        'span',
        { class: `gauge-mark gauge-${m.severity}`, style: `left:${pct(m.value)}` },
        h('span', { class: 'gauge-mark-label' }, m.label),
      ),
    ),
    typeof value === 'number' &&
      Number.isFinite(value) &&
      h('span', { class: 'gauge-value', style: `left:${pct(value)}` }),
  )
}
