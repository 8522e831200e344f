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

/**
 * Device health at a glance: when it last reported, its battery and its radio signal, with the
 * time of each value; these decide whether a silent paddy needs a visit or just a new battery.
 */
export function healthList(
  device: { lastSeen: number | null; gatewayId?: string | null },
  latest: LatestValues,
  { t, lang, now }: UiContext,
): HTMLElement {
  const item = (label: string, value: string, ts?: number) =>
    h(
      'div',
      {},
      h('dt', {}, label),
      h(
        'dd',
        {},
        value,
        ts !== undefined &&
          h(
            'span',
            { class: 'muted' },
            ' (',
            h('time', { datetime: isoTime(ts) }, formatMoment(ts, now(), lang)),
            ')',
          ),
      ),
    )
  const lastSeen = Math.max(device.lastSeen ?? 0, ...Object.values(latest).map((s) => s.ts)) || null
  const battery = latest.battery_v
  const rssi = latest.rssi_dbm
  return h(
    'dl',
    { class: 'metric-list health' },
    h(
      'div',
      {},
      h('dt', {}, t('detail.health.lastSeen')),
      h(
        'dd',
        {},
        lastSeen === null
          ? t('devices.never')
          : h('time', { datetime: isoTime(lastSeen) }, formatMoment(lastSeen, now(), lang)),
      ),
    ),
    item(metricLabel('battery_v', t), formatValue('battery_v', battery?.value, lang), battery?.ts),
    item(metricLabel('rssi_dbm', t), formatValue('rssi_dbm', rssi?.value, lang), rssi?.ts),
    device.gatewayId && item(t('detail.health.gateway'), device.gatewayId),
  )
}
