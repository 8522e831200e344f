import { DEVICE_KINDS } from '../../../firmware-contracts/kinds.js'
import { h, replaceChildren } from '../dom.js'
import { formatMoment, formatValue, isoTime, kindLabel, metricLabel } from '../format.js'
import { orderedMetrics } from '../latest-values.js'
import { applyAlertToDevice, applyFrame, mergeDeviceList } from '../live-sync.js'
import { deviceHref } from '../routes.js'
import { countByStatus, statusLook } from '../status.js'
import { statusBadge } from '../status-badge.js'
import type { AlertEvent, DeviceSummary, ReadingFrame } from '../types.js'
import type { GetUi } from '../ui-context.js'

export interface DevicesPage {
  /** A fresh REST answer; frames that arrived meanwhile are kept if newer. */
  setDevices(devices: readonly DeviceSummary[]): void
  applyFrame(frame: ReadingFrame): void
  /** A live alert that changed the open set: the row's status and the summary follow at once. */
  applyAlert(event: AlertEvent): void
  setSelected(id: string | undefined): void
  get(id: string): DeviceSummary | undefined
  /** A failed load that is not a logout; shown with a retry button. */
  setError(message: string, retry: () => void): void
  render(): void
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

export function createDevicesPage(root: HTMLElement, ui: GetUi): DevicesPage {
  let devices = new Map<string, DeviceSummary>()
  let loaded = false
  let selected: string | undefined
  let kindFilter = ''
  let error: { message: string; retry: () => void } | undefined
  const rows = new Map<string, RowCells>()
  const dirty = new Set<string>()
  let flushQueued = false

  const summaryEl = h('section', { class: 'summary', 'aria-labelledby': 'summary-heading' })
  const tableWrap = h('div', { class: 'table-wrap' })

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

  function statusCell(device: DeviceSummary): HTMLTableCellElement {
    const { t } = ui()
    return h(
      'td',
      { class: 'cell-status', 'data-label': t('devices.col.status') },
      statusBadge(device.status, t),
      device.openAlerts > 0 &&
        h('span', { class: 'open-alerts' }, t('devices.openAlerts', { count: device.openAlerts })),
    )
  }

  function row(device: DeviceSummary): HTMLTableRowElement {
    const { t } = ui()
    const cells: RowCells = { latest: latestCell(device), lastSeen: lastSeenCell(device) }
    rows.set(device.id, cells)
    const isSelected = device.id === selected
    return h(
      'tr',
      { 'data-device-id': device.id, class: isSelected ? 'selected' : undefined },
      h(
        'th',
        { scope: 'row', class: 'cell-id', 'data-label': t('devices.col.id') },
        h(
          'a',
          {
            href: deviceHref(device.id),
            'aria-current': isSelected ? 'true' : undefined,
            'data-device-link': device.id,
          },
          device.id,
        ),
      ),
      statusCell(device),
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

  function renderSummary(): void {
    const { t } = ui()
    const counts = countByStatus([...devices.values()].map((d) => d.status))
    const openAlerts = [...devices.values()].reduce((sum, d) => sum + (d.openAlerts || 0), 0)
    replaceChildren(
      summaryEl,
      h('h2', { id: 'summary-heading', class: 'visually-hidden' }, t('summary.heading')),
      h(
        'ul',
        { class: 'summary-list', 'aria-labelledby': 'summary-heading' },
        h('li', { class: 'summary-total' }, t('summary.total', { count: devices.size })),
        counts.map(({ status, count }) =>
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

  function renderTable(): void {
    const { t } = ui()
    // Keep keyboard focus on the same device link when the table is rebuilt under it.
    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.deviceLink
    rows.clear()
    const shown = sortDevices(devices.values()).filter((d) => kindFilter === '' || d.kind === kindFilter)
    if (error !== undefined) {
      const retry = h('button', { type: 'button' }, t('app.retry'))
      retry.addEventListener('click', error.retry)
      replaceChildren(
        tableWrap,
        h('p', { class: 'form-error', role: 'alert' }, t('app.error', { detail: error.message })),
        retry,
      )
      return
    }
    if (!loaded) {
      replaceChildren(tableWrap, h('p', { class: 'muted' }, t('app.loading')))
      return
    }
    if (shown.length === 0) {
      replaceChildren(tableWrap, h('p', { class: 'muted' }, t('devices.empty')))
      return
    }
    replaceChildren(
      tableWrap,
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
    if (focusedId !== undefined) {
      tableWrap.querySelector<HTMLElement>(`[data-device-link="${CSS.escape(focusedId)}"]`)?.focus()
    }
  }

  function filterControl(): HTMLElement {
    const { t } = ui()
    const select = h(
      'select',
      { id: 'kind-filter' },
      h('option', { value: '' }, t('devices.filterAll')),
      DEVICE_KINDS.map((kind) =>
        h('option', { value: kind, selected: kind === kindFilter }, kindLabel(kind, t)),
      ),
    )
    select.addEventListener('change', () => {
      kindFilter = select.value
      renderTable()
    })
    return h(
      'div',
      { class: 'field field-inline' },
      h('label', { for: 'kind-filter' }, t('devices.filterKind')),
      select,
    )
  }

  function render(): void {
    const { t } = ui()
    renderSummary()
    renderTable()
    replaceChildren(
      root,
      summaryEl,
      h(
        'section',
        { class: 'devices-section', 'aria-labelledby': 'devices-heading' },
        h(
          'div',
          { class: 'section-head' },
          h('h2', { id: 'devices-heading' }, t('devices.heading')),
          filterControl(),
        ),
        tableWrap,
      ),
    )
  }

  /** Live frames touch only the two cells that changed, batched per animation frame. */
  function flush(): void {
    flushQueued = false
    for (const id of dirty) {
      const device = devices.get(id)
      const cells = rows.get(id)
      if (device === undefined || cells === undefined) continue
      const latest = latestCell(device)
      const seen = lastSeenCell(device)
      cells.latest.replaceWith(latest)
      cells.lastSeen.replaceWith(seen)
      rows.set(id, { latest, lastSeen: seen })
    }
    dirty.clear()
  }

  return {
    setDevices(list) {
      devices = mergeDeviceList(devices, list)
      loaded = true
      error = undefined
      render()
    },
    applyFrame(frame) {
      const device = devices.get(frame.deviceId)
      if (device === undefined) return
      const next = applyFrame(device, frame)
      if (next === device) return
      devices.set(device.id, next)
      dirty.add(device.id)
      if (!flushQueued) {
        flushQueued = true
        requestAnimationFrame(flush)
      }
    },
    applyAlert(event) {
      const device = devices.get(event.alert.deviceId)
      if (device === undefined) return
      devices.set(device.id, applyAlertToDevice(device, event))
      renderSummary()
      const cell = tableWrap.querySelector<HTMLTableRowElement>(
        `tr[data-device-id="${CSS.escape(device.id)}"] .cell-status`,
      )
      cell?.replaceWith(statusCell(devices.get(device.id) as DeviceSummary))
    },
    setSelected(id) {
      selected = id
      for (const tr of tableWrap.querySelectorAll<HTMLTableRowElement>('tr[data-device-id]')) {
        const on = tr.dataset.deviceId === id
        tr.classList.toggle('selected', on)
        const link = tr.querySelector('a')
        if (on) link?.setAttribute('aria-current', 'true')
        else link?.removeAttribute('aria-current')
      }
    },
    get: (id) => devices.get(id),
    setError(message, retry) {
      error = { message, retry }
      renderTable()
    },
    render,
  }
}
