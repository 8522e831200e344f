import { type Series, seriesStats } from '../charts/series.js'
import { h } from '../dom.js'
import { formatMoment, formatValue, isoTime, metricLabel } from '../format.js'
import { orderedMetrics } from '../latest-values.js'
import { statusLook } from '../status.js'
import type { LatestValues, Rule } from '../types.js'
import type { UiContext } from '../ui-context.js'

/**
 * The words beside the chart. A canvas says nothing to a screen reader, so what the chart shows
 * (latest, range, alert levels) is also written out here.
 */

/** One threshold rule in words, in the viewer's language. */
export function ruleText(rule: Rule, metric: string, { t, lang }: UiContext): string {
  const severity = t(statusLook(rule.severity).labelKey)
  return t(rule.op === 'below' ? 'detail.rule.below' : 'detail.rule.above', {
    label: (lang === 'ja' ? rule.labelJa : undefined) || rule.label || severity,
    severity,
    threshold: formatValue(metric, rule.threshold, lang),
    clear: formatValue(metric, rule.clear ?? rule.threshold, lang),
  })
}

/** Latest, min and max of the hour on the chart. */
export function chartSummaryText(series: Series, metric: string, { t, lang }: UiContext): string {
  const stats = seriesStats(series)
  if (stats.count === 0) return t('detail.chartEmpty')
  return t('detail.chartSummary', {
    latest: formatValue(metric, stats.latest?.value, lang),
    min: formatValue(metric, stats.min, lang),
    max: formatValue(metric, stats.max, lang),
    count: stats.count,
  })
}

/** The device's other metrics (battery, signal, …) with the time of each value. */
export function metricValueList(
  latest: LatestValues,
  kind: string,
  chartMetric: string | undefined,
  { t, lang, now }: UiContext,
): HTMLElement {
  const metrics = orderedMetrics(kind, latest).filter((m) => m !== chartMetric)
  return h(
    'dl',
    { class: 'metric-list' },
    metrics.map((m) => {
      const sample = latest[m]
      return h(
        'div',
        {},
        h('dt', {}, metricLabel(m, t)),
        h(
          'dd',
          {},
          formatValue(m, sample?.value, lang),
          sample &&
            h(
              'span',
              { class: 'muted' },
              ' (',
              h('time', { datetime: isoTime(sample.ts) }, formatMoment(sample.ts, now(), lang)),
              ')',
            ),
        ),
      )
    }),
  )
}
