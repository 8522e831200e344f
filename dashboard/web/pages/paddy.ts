import { h, keepFocus, replaceChildren } from '../dom.js'
import { targetBand } from '../effective-levels.js'
import { formatMoment, formatValue, isoTime, metricLabel, stageLabel } from '../format.js'
import { gauge } from '../gauge.js'
import type { MessageKey } from '../i18n/translate.js'
import { deviceHref } from '../routes.js'
import { statusBadge } from '../status-badge.js'
import type { DeviceSummary } from '../types.js'
import { createLevelsCache } from './levels-cache.js'
import type { Page, PageContext } from './page.js'

const METRIC = 'water_depth_cm'

/** Where a depth stands against its target band, in the words a farmer reads. */
export function bandState(value: number | undefined, band: { low?: number; high?: number }): MessageKey {
  if (value === undefined) return 'paddy.noValue'
  if (band.low !== undefined && value < band.low) return 'paddy.tooShallow'
  if (band.high !== undefined && value > band.high) return 'paddy.tooDeep'
  return 'paddy.inBand'
}

/**
 * Paddies for a farmer's phone: each one's depth in large type, its crop stage and the target band
 * for that stage (the rules' band when no crop calendar is set), where the depth stands against it,
 * water temperature, battery and the last report.
 */
export function createPaddyPage(ctx: PageContext): Page {
  const { ui, root, devices } = ctx
  const listEl = h('ul', { class: 'card-list' })
  const levels = createLevelsCache(ctx, 'paddy', () => renderList())

  function card(device: DeviceSummary): HTMLElement {
    const { t, lang, now } = ui()
    const rules = levels.rulesFor(device)
    const stage = levels.stageFor(device)
    const band = targetBand(rules, METRIC)
    const value = device.latest[METRIC]?.value
    const state = bandState(value, band)
    const range =
      band.low === undefined && band.high === undefined
        ? t('paddy.noBand')
        : t('paddy.band', {
            low: formatValue(METRIC, band.low, lang),
            high: formatValue(METRIC, band.high, lang),
          })
    const other = (metric: string) =>
      device.latest[metric] &&
      h('li', {}, `${metricLabel(metric, t)} ${formatValue(metric, device.latest[metric]?.value, lang)}`)
    return h(
      'li',
      { class: 'card paddy-card', 'data-device-id': device.id },
      h(
        'div',
        { class: 'site-head' },
        h(
          'h3',
          {},
          h('a', { href: deviceHref(device.id), id: `paddy-link-${device.id}` }, device.site ?? device.id),
        ),
        statusBadge(device.status, t),
      ),
      device.site !== null && h('p', { class: 'muted' }, device.id),
      h(
        'p',
        { class: 'big-value' },
        h('span', { class: 'value-name' }, metricLabel(METRIC, t)),
        ' ',
        h('strong', { 'data-metric': METRIC }, formatValue(METRIC, value, lang)),
        ' ',
        h('span', { class: `band-state band-${state.split('.')[1]}` }, t(state)),
      ),
      gauge({ value, marks: [], band }),
      h('p', {}, t('paddy.target'), ' ', range),
      h(
        'p',
        {},
        stage === undefined ? t('paddy.noStage') : t('paddy.stage', { stage: stageLabel(stage, t) }),
      ),
      h('ul', { class: 'inline-list' }, other('water_temp_c'), other('battery_v')),
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

  function drawList(): void {
    const { t } = ui()
    if (!devices.loaded()) {
      replaceChildren(listEl, h('li', { class: 'muted' }, t('app.loading')))
      return
    }
    const paddies = devices
      .list()
      .filter((d) => d.kind === 'paddy')
      .sort((a, b) => (a.site ?? a.id).localeCompare(b.site ?? b.id, 'ja'))
    replaceChildren(
      listEl,
      paddies.length === 0 ? h('li', { class: 'muted' }, t('paddy.none')) : paddies.map(card),
    )
  }
  const renderList = (): void => keepFocus(listEl, drawList)

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'kind-page', 'aria-labelledby': 'paddy-heading' },
        h('h2', { id: 'paddy-heading', tabindex: '-1' }, t('paddy.heading')),
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
