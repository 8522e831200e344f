import { DEVICE_KINDS } from '../../../firmware-contracts/kinds.js'
import { seesKind } from '../access.js'
import { createAlertsPanel } from '../alerts-panel.js'
import { createDeviceTable } from '../device-table.js'
import { h, keepFocus, replaceChildren } from '../dom.js'
import { kindLabel } from '../format.js'
import { createOverviewMap, type OverviewMap } from '../map/overview-map.js'
import { deviceHref } from '../routes.js'
import {
  type DeviceFilter,
  hasPosition,
  matchesFilter,
  NO_SITE,
  siteNames,
  summarizeSites,
} from '../sites.js'
import { countByStatus } from '../status.js'
import { statusBadge } from '../status-badge.js'
import type { DeviceSummary } from '../types.js'
import type { Page, PageContext } from './page.js'

/**
 * The overview: counts by status, filters by kind and area, each site with its worst status, the
 * map (devices without a position listed beside it), the device table and the open alerts.
 */
export function createOverviewPage(ctx: PageContext): Page {
  const { ui, devices, root } = ctx
  const filter: DeviceFilter = { kind: '', site: '' }
  const summaryEl = h('div', { class: 'summary-body' })
  const sitesEl = h('div', { class: 'sites-body' })
  const unplacedEl = h('div', { class: 'unplaced' })
  const tableEl = h('div', { class: 'table-wrap' })
  const filtersEl = h('div', { class: 'filters' })
  const alertsEl = h('section', {
    id: 'alerts',
    class: 'panel area-alerts',
    'aria-labelledby': 'alerts-heading',
  })
  const mapBox = h('div', { class: 'map', id: 'overview-map' })
  const table = createDeviceTable(tableEl, ui)
  const alertsPanel = createAlertsPanel(alertsEl, ctx.alerts, ui, ctx.acks)
  let map: OverviewMap | undefined

  const shown = (): DeviceSummary[] => devices.list().filter((d) => matchesFilter(d, filter))

  function renderSummary(list: DeviceSummary[]): void {
    const { t } = ui()
    const openAlerts = list.reduce((sum, d) => sum + (d.openAlerts || 0), 0)
    replaceChildren(
      summaryEl,
      h(
        'ul',
        { class: 'summary-list', 'aria-labelledby': 'summary-heading' },
        h('li', { class: 'summary-total' }, t('summary.total', { count: list.length })),
        countByStatus(list.map((d) => d.status)).map(({ status, count }) =>
          h(
            'li',
            {},
            statusBadge(status, t),
            h('span', { class: 'summary-count' }, ` ${t('summary.count', { count })}`),
          ),
        ),
        h(
          'li',
          { class: 'summary-alerts' },
          h('a', { href: '#alerts' }, t('summary.openAlerts', { count: openAlerts })),
        ),
      ),
    )
  }

  function renderSites(list: DeviceSummary[]): void {
    const { t } = ui()
    const sites = summarizeSites(list)
    replaceChildren(
      sitesEl,
      sites.length === 0
        ? h('p', { class: 'muted' }, t('devices.empty'))
        : h(
            'ul',
            { class: 'site-list' },
            sites.map((s) =>
              h(
                'li',
                { class: `site-card site-${s.status}` },
                h(
                  'div',
                  { class: 'site-head' },
                  h('h3', {}, s.site ?? t('devices.noSite')),
                  statusBadge(s.status, t),
                ),
                h('p', { class: 'muted' }, s.kinds.map((k) => kindLabel(k, t)).join('・')),
                h(
                  'ul',
                  { class: 'site-devices' },
                  s.devices.map((d) =>
                    h('li', {}, h('a', { href: deviceHref(d.id) }, d.id), ' ', statusBadge(d.status, t)),
                  ),
                ),
              ),
            ),
          ),
    )
  }

  function renderUnplaced(list: DeviceSummary[]): void {
    const { t } = ui()
    const unplaced = list.filter((d) => !hasPosition(d))
    replaceChildren(
      unplacedEl,
      unplaced.length > 0 && [
        h('h3', { id: 'unplaced-heading' }, t('map.unplaced', { count: unplaced.length })),
        h(
          'ul',
          { class: 'inline-list', 'aria-labelledby': 'unplaced-heading' },
          unplaced.map((d) =>
            h('li', {}, h('a', { href: deviceHref(d.id) }, d.id), ' ', statusBadge(d.status, t)),
          ),
        ),
      ],
    )
  }

  function renderData(): void {
    const { t } = ui()
    const list = shown()
    if (devices.error() !== undefined && !devices.loaded()) {
      const retry = h('button', { type: 'button' }, t('app.retry'))
      retry.addEventListener('click', () => devices.load().catch(ctx.onError))
      replaceChildren(
        tableEl,
        h('p', { class: 'form-error', role: 'alert' }, t('app.error', { detail: devices.error() ?? '' })),
        retry,
      )
      return
    }
    if (!devices.loaded()) {
      replaceChildren(tableEl, h('p', { class: 'muted' }, t('app.loading')))
      return
    }
    renderSummary(list)
    renderSites(list)
    renderUnplaced(list)
    table.render(list)
    map?.update(list)
  }

  function filterSelect(
    id: string,
    label: string,
    value: string,
    options: Array<[string, string]>,
    set: (v: string) => void,
  ): HTMLElement {
    const select = h(
      'select',
      { id },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    )
    select.addEventListener('change', () => {
      set(select.value)
      renderData()
    })
    return h('div', { class: 'field field-inline' }, h('label', { for: id }, label), select)
  }

  function renderFilters(): void {
    const { t } = ui()
    const kinds = DEVICE_KINDS.filter((k) => seesKind(ctx.user, k))
    const sites = siteNames(devices.list())
    if (filter.site !== '' && filter.site !== NO_SITE && !sites.includes(filter.site)) sites.push(filter.site)
    replaceChildren(
      filtersEl,
      filterSelect(
        'kind-filter',
        t('devices.filterKind'),
        filter.kind,
        [['', t('devices.filterAll')], ...kinds.map((k): [string, string] => [k, kindLabel(k, t)])],
        (v) => {
          filter.kind = v
        },
      ),
      filterSelect(
        'site-filter',
        t('overview.filterSite'),
        filter.site,
        [
          ['', t('devices.filterAll')],
          ...sites.map((s): [string, string] => [s, s]),
          [NO_SITE, t('devices.noSite')],
        ],
        (v) => {
          filter.site = v
        },
      ),
    )
  }

  function render(): void {
    const { t } = ui()
    map?.destroy()
    map = undefined
    renderFilters()
    replaceChildren(
      root,
      h(
        'div',
        { class: 'overview' },
        h(
          'section',
          { class: 'panel summary', 'aria-labelledby': 'summary-heading' },
          h('h2', { id: 'summary-heading', tabindex: '-1' }, t('summary.heading')),
          filtersEl,
          summaryEl,
        ),
        h(
          'div',
          { class: 'overview-grid' },
          h(
            'div',
            { class: 'overview-main' },
            h(
              'section',
              { class: 'panel', 'aria-labelledby': 'sites-heading' },
              h('h2', { id: 'sites-heading' }, t('overview.sites')),
              sitesEl,
            ),
            h(
              'section',
              { class: 'panel', 'aria-labelledby': 'map-heading' },
              h('h2', { id: 'map-heading' }, t('map.heading')),
              h('p', { class: 'visually-hidden', id: 'map-hint' }, t('map.hint')),
              mapBox,
              unplacedEl,
            ),
            h(
              'section',
              { class: 'devices-section', 'aria-labelledby': 'devices-heading' },
              h('div', { class: 'section-head' }, h('h2', { id: 'devices-heading' }, t('devices.heading'))),
              tableEl,
            ),
          ),
          alertsEl,
        ),
      ),
    )
    mapBox.setAttribute('role', 'region')
    mapBox.setAttribute('aria-label', t('map.label'))
    mapBox.setAttribute('aria-describedby', 'map-hint')
    map = createOverviewMap(mapBox, ui, ctx.tiles)
    alertsPanel.render()
    renderData()
  }

  const unsubscribe = devices.subscribe((change) => {
    if (change.type === 'list') {
      keepFocus(filtersEl, renderFilters)
      renderData()
      return
    }
    for (const id of change.ids) {
      const device = devices.get(id)
      if (device !== undefined) table.updateValues(device)
    }
  })

  return {
    render,
    stop() {
      unsubscribe()
      alertsPanel.stop()
      map?.destroy()
    },
  }
}
