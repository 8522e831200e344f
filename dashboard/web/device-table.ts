import { h, replaceChildren } from './dom.js'
import { formatMoment, formatValue, isoTime, kindLabel, metricLabel } from './format.js'
import { orderedMetrics } from './latest-values.js'
import { deviceHref } from './routes.js'
import { statusLook } from './status.js'
import { statusBadge } from './status-badge.js'
import type { DeviceSummary } from './types.js'
import type { GetUi } from './ui-context.js'

export interface DeviceTable {
  /** Rebuilds the table for these devices (already filtered), worst status first. */
  render(devices: Iterable<DeviceSummary>): void
  /** Live values: swaps only the value and last-seen cells of the device's row. */
  updateValues(device: DeviceSummary): void
}

interface RowCells {
  latest: HTMLTableCellElement
  lastSeen: HTMLTableCellElement
}

/** Worst status first so what needs attention is at the top; then by id for a stable order. */
export function sortDevices(devices: Iterable<DeviceSummary>): DeviceSummary[] {
  return [...devices].sort(
    (a, b) => statusLook(b.status).rank - statusLook(a.status).rank || a.id.localeCompare(b.id, 'en'),
  )
}

/**
 * One row per device: id (link to its page), status, kind, site, latest values with units, last
 * seen. On a narrow container each row becomes a card, still a real table for screen readers.
 */
export function createDeviceTable(root: HTMLElement, ui: GetUi): DeviceTable {
  const rows = new Map<string, RowCells>()

  function latestCell(device: DeviceSummary): HTMLTableCellElement {
    const { t, lang } = ui()
    const metrics = orderedMetrics(device.kind, device.latest)
    return h(
      'td',
      { class: 'cell-latest', 'data-label': t('devices.col.latest') },
      metrics.length === 0
        ? h('span', { class: 'muted' }, t('devices.noValues'))
        : h(
            'ul',
            { class: 'values' },
            metrics.map((metric, i) =>
              h(
                'li',
                { class: i === 0 ? 'value-primary' : undefined, 'data-metric': metric },
                h('span', { class: 'value-name' }, metricLabel(metric, t)),
                ' ',
                h('span', { class: 'value-number' }, formatValue(metric, device.latest[metric]?.value, lang)),
              ),
            ),
          ),
    )
  }

  function lastSeenCell(device: DeviceSummary): HTMLTableCellElement {
    const { t, now, lang } = ui()
    return h(
      'td',
      { class: 'cell-seen', 'data-label': t('devices.col.lastSeen') },
      device.lastSeen === null
        ? t('devices.never')
        : h('time', { datetime: isoTime(device.lastSeen) }, formatMoment(device.lastSeen, now(), lang)),
    )
  }

  function row(device: DeviceSummary): HTMLTableRowElement {
    const { t } = ui()
    const cells: RowCells = { latest: latestCell(device), lastSeen: lastSeenCell(device) }
    rows.set(device.id, cells)
    return h(
      'tr',
      { 'data-device-id': device.id },
      h(
        'th',
        { scope: 'row', class: 'cell-id', 'data-label': t('devices.col.id') },
        h('a', { href: deviceHref(device.id), 'data-device-link': device.id }, device.id),
      ),
      h(
        'td',
        { class: 'cell-status', 'data-label': t('devices.col.status') },
        statusBadge(device.status, t),
        device.openAlerts > 0 &&
          h('span', { class: 'open-alerts' }, t('devices.openAlerts', { count: device.openAlerts })),
      ),
      h('td', { class: 'cell-kind', 'data-label': t('devices.col.kind') }, kindLabel(device.kind, t)),
      h(
        'td',
        { class: 'cell-site', 'data-label': t('devices.col.site') },
        device.site ?? h('span', { class: 'muted' }, t('devices.noSite')),
      ),
      cells.latest,
      cells.lastSeen,
    )
  }

  return {
    render(devices) {
      const { t } = ui()
      const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.deviceLink
      rows.clear()
      const shown = sortDevices(devices)
      if (shown.length === 0) {
        replaceChildren(root, h('p', { class: 'muted' }, t('devices.empty')))
        return
      }
      replaceChildren(
        root,
        h(
          'table',
          { class: 'devices' },
          h('caption', { class: 'visually-hidden' }, t('devices.caption', { count: shown.length })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('devices.col.id')),
              h('th', { scope: 'col' }, t('devices.col.status')),
              h('th', { scope: 'col' }, t('devices.col.kind')),
              h('th', { scope: 'col' }, t('devices.col.site')),
              h('th', { scope: 'col' }, t('devices.col.latest')),
              h('th', { scope: 'col' }, t('devices.col.lastSeen')),
            ),
          ),
          h('tbody', {}, shown.map(row)),
        ),
      )
      // Keep keyboard focus on the same device link when the table is rebuilt under it.
      if (focusedId !== undefined)
        root.querySelector<HTMLElement>(`[data-device-link="${CSS.escape(focusedId)}"]`)?.focus()
    },
    updateValues(device) {
      const cells = rows.get(device.id)
      if (cells === undefined) return
      const latest = latestCell(device)
      const seen = lastSeenCell(device)
      cells.latest.replaceWith(latest)
      cells.lastSeen.replaceWith(seen)
      rows.set(device.id, { latest, lastSeen: seen })
    },
  }
}
