import { h, keepFocus, replaceChildren } from '../dom.js'
import { formatMoment, formatValue, isoTime, metricLabel } from '../format.js'
import { type GaugeMark, gauge } from '../gauge.js'
import { deviceHref } from '../routes.js'
import { summarizeSites } from '../sites.js'
import { statusLook } from '../status.js'
import { statusBadge } from '../status-badge.js'
import type { DeviceSummary, Rule } from '../types.js'
import { createLevelsCache } from './levels-cache.js'
import type { Page, PageContext } from './page.js'

const METRIC = 'rail_temp_c'

/** The lines a rail thermometer is read against, lowest first: watch (注意), then action (危険). */
export function railLines(rules: readonly Rule[]): Rule[] {
  return rules
    .filter((r) => r.metric === METRIC && r.op === 'above' && typeof r.threshold === 'number')
    .sort((a, b) => (a.threshold ?? 0) - (b.threshold ?? 0))
}

/** "3.5 °C below the watch line" / "2.0 °C over the action line", for the text beside the gauge. */
export function marginText(value: number | undefined, lines: readonly Rule[], ctx: PageContext): string {
  const { t, lang } = ctx.ui()
  if (value === undefined || lines.length === 0) return ''
  const crossed = [...lines].reverse().find((l) => value > (l.threshold ?? Number.POSITIVE_INFINITY))
  const line = crossed ?? lines[0]
  if (line === undefined || line.threshold === null) return ''
  const severity = t(statusLook(line.severity).labelKey)
  const diff = formatValue(METRIC, Math.abs(value - line.threshold), lang)
  return crossed ? t('rail.over', { severity, diff }) : t('rail.below', { severity, diff })
}

/**
 * Rail sections (a section = a site of rail thermometers) on a tablet in summer: each thermometer's
 * rail temperature against the section's watch and action lines, as a gauge and in words.
 */
export function createRailPage(ctx: PageContext): Page {
  const { ui, root, devices } = ctx
  const listEl = h('div', { class: 'sections' })
  const levels = createLevelsCache(ctx, 'rail', () => renderList())

  function row(device: DeviceSummary): HTMLElement {
    const { t, lang, now } = ui()
    const lines = railLines(levels.rulesFor(device))
    const value = device.latest[METRIC]?.value
    const marks: GaugeMark[] = lines.map((l) => ({
      value: l.threshold ?? 0,
      severity: l.severity,
      label: t(statusLook(l.severity).labelKey),
    }))
    return h(
      'li',
      { class: 'rail-row', 'data-device-id': device.id },
      h(
        'div',
        { class: 'rail-head' },
        h('a', { href: deviceHref(device.id), id: `rail-link-${device.id}` }, device.id),
        ' ',
        statusBadge(device.status, t),
      ),
      h(
        'p',
        { class: 'big-value' },
        h('span', { class: 'value-name' }, metricLabel(METRIC, t)),
        ' ',
        h('strong', { 'data-metric': METRIC }, formatValue(METRIC, value, lang)),
        device.latest.ambient_temp_c &&
          h(
            'span',
            { class: 'muted' },
            ` ${metricLabel('ambient_temp_c', t)} ${formatValue('ambient_temp_c', device.latest.ambient_temp_c.value, lang)}`,
          ),
      ),
      gauge({ value, marks }),
      h(
        'p',
        { class: 'rail-lines' },
        lines.length === 0
          ? t('detail.noThresholds')
          : lines
              .map((l) => `${t(statusLook(l.severity).labelKey)} ${formatValue(METRIC, l.threshold, lang)}`)
              .join(' / '),
        ' ',
        h('strong', {}, marginText(value, lines, ctx)),
      ),
      h(
        'p',
        { class: 'muted' },
        t('detail.lastSeen', { time: '' }),
        device.lastSeen === null
          ? t('devices.never')
          : h('time', { datetime: isoTime(device.lastSeen) }, formatMoment(device.lastSeen, now(), lang)),
      ),
    )
  }

  const renderList = (): void => keepFocus(listEl, drawList)

  function drawList(): void {
    const { t } = ui()
    const rail = devices.list().filter((d) => d.kind === 'rail')
    if (!devices.loaded()) {
      replaceChildren(listEl, h('p', { class: 'muted' }, t('app.loading')))
      return
    }
    const sections = summarizeSites(rail)
    replaceChildren(
      listEl,
      sections.length === 0
        ? h('p', { class: 'muted' }, t('rail.none'))
        : sections.map((s, i) =>
            h(
              'section',
              { class: 'panel rail-section', 'aria-labelledby': `section-${i}` },
              h(
                'div',
                { class: 'site-head' },
                h('h3', { id: `section-${i}` }, s.site ?? t('devices.noSite')),
                statusBadge(s.status, t),
              ),
              h('ul', { class: 'rail-list' }, s.devices.sort((a, b) => a.id.localeCompare(b.id)).map(row)),
            ),
          ),
    )
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'kind-page', 'aria-labelledby': 'rail-heading' },
        h('h2', { id: 'rail-heading', tabindex: '-1' }, t('rail.heading')),
        h('p', { class: 'muted' }, t('rail.intro')),
        listEl,
      ),
    )
    renderList()
  }

  const unsubscribe = devices.subscribe(() => renderList())
  return {
    render,
    resync: () => levels.reload(),
    stop: () => {
      unsubscribe()
      levels.stop()
    },
  }
}
