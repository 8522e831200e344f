import type { Api } from './api.js'
import { h, replaceChildren } from './dom.js'
import { formatMoment, formatValue, isoTime, kindLabel, metricLabel, toEpochMs } from './format.js'
import { deviceHref } from './routes.js'
import { statusLook } from './status.js'
import { statusBadge } from './status-badge.js'
import type { Alert, AlertEvent } from './types.js'
import type { Announce, GetUi } from './ui-context.js'

/** Open alerts shown before "show all": in a storm the device list must stay within reach on a phone. */
export const OPEN_PREVIEW = 5
/** How many cleared alerts the "recent" list keeps. */
export const RECENT_LIMIT = 20

export interface AlertsState {
  open: Alert[]
  recent: Alert[]
}

function raisedMs(alert: Alert): number {
  return toEpochMs(alert.raisedAt) ?? 0
}

function clearedMs(alert: Alert): number {
  return toEpochMs(alert.clearedAt) ?? raisedMs(alert)
}

/** Open alerts worst first, newest first within a severity; recent ones by clearing time. */
export function sortAlerts(state: AlertsState): AlertsState {
  const open = [...state.open].sort(
    (a, b) => statusLook(b.severity).rank - statusLook(a.severity).rank || raisedMs(b) - raisedMs(a),
  )
  const recent = [...state.recent].sort((a, b) => clearedMs(b) - clearedMs(a)).slice(0, RECENT_LIMIT)
  return { open, recent }
}

/** Builds the panel's state from the two REST answers (open ones, and the latest of any state). */
export function alertsFromRest(open: readonly Alert[], all: readonly Alert[]): AlertsState {
  const openIds = new Set(open.map((a) => String(a.id)))
  return sortAlerts({
    open: [...open],
    recent: all.filter((a) => a.state === 'cleared' && !openIds.has(String(a.id))),
  })
}

/**
 * Applies one live event. Idempotent: the same event twice (a resync racing the socket) changes
 * nothing, and a `cleared` for an alert we never saw open still lands in "recent".
 */
export function applyAlertEvent(state: AlertsState, event: AlertEvent): AlertsState {
  const id = String(event.alert.id)
  const open = state.open.filter((a) => String(a.id) !== id)
  const recent = state.recent.filter((a) => String(a.id) !== id)
  if (event.event === 'raised') open.push(event.alert)
  else recent.push({ ...event.alert, state: 'cleared' })
  return sortAlerts({ open, recent })
}

export interface AlertsPanel {
  load(): Promise<void>
  /** Returns whether the event changed the open set (false for a repeat). */
  applyEvent(event: AlertEvent): boolean
  render(): void
}

export function createAlertsPanel(
  root: HTMLElement,
  api: Pick<Api, 'alerts'>,
  ui: GetUi,
  announce: Announce,
): AlertsPanel {
  let state: AlertsState = { open: [], recent: [] }
  let loaded = false
  let showAll = false

  /** Our own localised line from the fields; the server's message (both languages at once) is the fallback. */
  function detailText(alert: Alert): string {
    const { t, lang } = ui()
    if (alert.metric === null || alert.metric === '') return alert.message
    return t('alerts.value', {
      metric: metricLabel(alert.metric, t),
      value: formatValue(alert.metric, alert.value, lang),
      threshold: formatValue(alert.metric, alert.threshold, lang),
    })
  }

  function item(alert: Alert): HTMLLIElement {
    const { t, now } = ui()
    const cleared = alert.state === 'cleared'
    const raised = raisedMs(alert)
    const kind = kindLabel(alert.kind, t)
    const where = alert.site ? t('place.kindSite', { kind, site: alert.site }) : kind
    return h(
      'li',
      { class: `alert alert-${statusLook(alert.severity).status}${cleared ? ' alert-cleared' : ''}` },
      h(
        'div',
        { class: 'alert-head' },
        statusBadge(alert.severity, t),
        ' ',
        h('a', { href: deviceHref(alert.deviceId), class: 'alert-device' }, alert.deviceId),
        where && h('span', { class: 'muted' }, ` ${where}`),
      ),
      h('p', { class: 'alert-detail' }, detailText(alert)),
      h(
        'p',
        { class: 'alert-time muted' },
        t(cleared ? 'alerts.clearedAt' : 'alerts.raisedAt', { time: '' }),
        h(
          'time',
          { datetime: isoTime(cleared ? clearedMs(alert) : raised) },
          formatMoment(cleared ? clearedMs(alert) : raised, now(), ui().lang),
        ),
      ),
    )
  }

  function render(): void {
    const { t } = ui()
    const openShown = showAll ? state.open : state.open.slice(0, OPEN_PREVIEW)
    const more = state.open.length - openShown.length
    let toggle: HTMLButtonElement | false = false
    if (state.open.length > OPEN_PREVIEW) {
      toggle = h(
        'button',
        {
          type: 'button',
          class: 'button-secondary',
          'aria-expanded': String(showAll),
          'aria-controls': 'open-alerts',
        },
        showAll ? t('alerts.showFewer') : t('alerts.showAll', { count: more }),
      )
      toggle.addEventListener('click', () => {
        showAll = !showAll
        render()
        root.querySelector<HTMLButtonElement>('button[aria-controls="open-alerts"]')?.focus()
      })
    }
    replaceChildren(
      root,
      h('h2', { id: 'alerts-heading' }, t('alerts.heading')),
      h(
        'h3',
        { id: 'open-alerts-heading' },
        t('alerts.open'),
        ' ',
        h('span', { class: 'count' }, `(${state.open.length})`),
      ),
      !loaded
        ? h('p', { class: 'muted' }, t('app.loading'))
        : state.open.length === 0
          ? h('p', { class: 'muted' }, t('alerts.noneOpen'))
          : h(
              'ul',
              { class: 'alert-list', id: 'open-alerts', 'aria-labelledby': 'open-alerts-heading' },
              openShown.map(item),
            ),
      toggle,
      h(
        'details',
        { class: 'recent-alerts' },
        h('summary', {}, t('alerts.recent'), ` (${state.recent.length})`),
        state.recent.length === 0
          ? h('p', { class: 'muted' }, t('alerts.noneRecent'))
          : h('ul', { class: 'alert-list' }, state.recent.map(item)),
      ),
    )
  }

  return {
    async load() {
      const [open, all] = await Promise.all([api.alerts('open', 200), api.alerts('all', 50)])
      state = alertsFromRest(open, all)
      loaded = true
      render()
    },
    applyEvent(event) {
      const before = state
      state = applyAlertEvent(state, event)
      const wasOpen = before.open.some((a) => String(a.id) === String(event.alert.id))
      render()
      const { t } = ui()
      const detail = detailText(event.alert)
      const changed = event.event === 'raised' ? !wasOpen : wasOpen
      if (event.event === 'raised' && !wasOpen) {
        const severity = t(statusLook(event.alert.severity).labelKey)
        announce(
          t('alerts.announceRaised', { severity, device: event.alert.deviceId, detail }),
          event.alert.severity === 'critical',
        )
      } else if (event.event === 'cleared' && wasOpen) {
        announce(t('alerts.announceCleared', { device: event.alert.deviceId, detail }))
      }
      return changed
    },
    render,
  }
}
