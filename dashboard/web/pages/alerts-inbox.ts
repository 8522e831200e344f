import { DEVICE_KINDS } from '../../../firmware-contracts/kinds.js'
import { canAct, seesAlert, seesKind } from '../access.js'
import { alertItem } from '../alert-item.js'
import { isAcknowledged } from '../alerts.js'
import type { AlertFilter } from '../api.js'
import { h, keepFocus, replaceChildren } from '../dom.js'
import { kindLabel } from '../format.js'
import { siteNames } from '../sites.js'
import { STATUS_LOOK } from '../status.js'
import type { Alert } from '../types.js'
import type { Page, PageContext } from './page.js'

const DAY = 86_400_000
const PERIODS = [
  ['24h', DAY],
  ['7d', 7 * DAY],
  ['30d', 30 * DAY],
  ['1y', 365 * DAY],
] as const
/** "At least this bad" filters; the API takes the list of severities. */
const SEVERITY_FLOORS = ['info', 'watch', 'warning', 'critical'] as const

interface HistoryFilter {
  period: (typeof PERIODS)[number][0]
  floor: (typeof SEVERITY_FLOORS)[number]
  kind: string
  site: string
}

export function severitiesFrom(floor: string): string[] {
  const rank = STATUS_LOOK[floor as keyof typeof STATUS_LOOK]?.rank ?? 0
  return SEVERITY_FLOORS.filter((s) => STATUS_LOOK[s].rank >= rank)
}

/**
 * The alert inbox: what still needs someone (open, not acknowledged), what someone is on
 * (acknowledged), each with the acknowledge form for operators; and the history with filters.
 */
export function createAlertsInboxPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  const openEl = h('div')
  const historyEl = h('div', { class: 'history-results', 'aria-live': 'polite' })
  const filter: HistoryFilter = { period: '7d', floor: 'info', kind: '', site: '' }
  let history: Alert[] | undefined
  let historyError: string | undefined
  let stopped = false

  function renderOpen(): void {
    const { t } = ui()
    const open = ctx.alerts.state().open
    const waiting = open.filter((a) => !isAcknowledged(a))
    const handled = open.filter(isAcknowledged)
    const list = (id: string, alerts: Alert[], empty: string) =>
      alerts.length === 0
        ? h('p', { class: 'muted' }, empty)
        : h(
            'ul',
            { class: 'alert-list', id, 'aria-labelledby': `${id}-heading` },
            alerts.map((a) => alertItem(a, ui, ctx.acks)),
          )
    keepFocus(openEl, () =>
      replaceChildren(
        openEl,
        !canAct(ctx.user) && h('p', { class: 'notice' }, t('ack.viewerNote')),
        h('h3', { id: 'inbox-waiting-heading' }, t('inbox.waiting'), ` (${waiting.length})`),
        !ctx.alerts.loaded()
          ? h('p', { class: 'muted' }, t('app.loading'))
          : list('inbox-waiting', waiting, t('alerts.noneOpen')),
        h('h3', { id: 'inbox-handled-heading' }, t('inbox.handled'), ` (${handled.length})`),
        list('inbox-handled', handled, t('inbox.noneHandled')),
      ),
    )
  }

  async function loadHistory(): Promise<void> {
    const to = ui().now()
    const span = PERIODS.find(([k]) => k === filter.period)?.[1] ?? 7 * DAY
    const query: AlertFilter = { state: 'all', limit: 200, from: to - span, to }
    if (filter.floor !== 'info') query.severity = severitiesFrom(filter.floor)
    if (filter.kind !== '') query.kind = filter.kind
    if (filter.site !== '') query.site = filter.site
    try {
      history = (await api.alertHistory(query)).filter((a) => seesAlert(ctx.user, a))
      historyError = undefined
    } catch (error) {
      ctx.onError(error)
      historyError = error instanceof Error ? error.message : String(error)
    }
    if (!stopped) renderHistory()
  }

  function renderHistory(): void {
    const { t } = ui()
    replaceChildren(
      historyEl,
      historyError !== undefined
        ? h('p', { class: 'form-error' }, t('app.error', { detail: historyError }))
        : history === undefined
          ? h('p', { class: 'muted' }, t('app.loading'))
          : history.length === 0
            ? h('p', { class: 'muted' }, t('inbox.historyEmpty'))
            : [
                h('p', { class: 'muted' }, t('inbox.historyCount', { count: history.length })),
                h(
                  'ul',
                  { class: 'alert-list' },
                  history.map((a) => alertItem(a, ui)),
                ),
              ],
    )
  }

  function select(
    id: string,
    label: string,
    value: string,
    options: Array<[string, string]>,
    set: (v: string) => void,
  ) {
    const el = h(
      'select',
      { id },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    )
    el.addEventListener('change', () => set(el.value))
    return h('div', { class: 'field' }, h('label', { for: id }, label), el)
  }

  function filterForm(): HTMLFormElement {
    const { t } = ui()
    const all = t('devices.filterAll')
    const form = h(
      'form',
      { class: 'filter-form', 'aria-label': t('inbox.filters') },
      select(
        'history-period',
        t('inbox.period'),
        filter.period,
        PERIODS.map(([k]) => [k, t(`range.${k}`)]),
        (v) => {
          filter.period = v as HistoryFilter['period']
        },
      ),
      select(
        'history-severity',
        t('inbox.severity'),
        filter.floor,
        SEVERITY_FLOORS.map((s) => [
          s,
          s === 'info' ? all : t('inbox.atLeast', { severity: t(STATUS_LOOK[s].labelKey) }),
        ]),
        (v) => {
          filter.floor = v as HistoryFilter['floor']
        },
      ),
      select(
        'history-kind',
        t('devices.filterKind'),
        filter.kind,
        [
          ['', all],
          ...DEVICE_KINDS.filter((k) => seesKind(ctx.user, k)).map((k): [string, string] => [
            k,
            kindLabel(k, t),
          ]),
        ],
        (v) => {
          filter.kind = v
        },
      ),
      select(
        'history-site',
        t('overview.filterSite'),
        filter.site,
        [['', all], ...siteNames(ctx.devices.list()).map((s): [string, string] => [s, s])],
        (v) => {
          filter.site = v
        },
      ),
      h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, t('inbox.show'))),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      history = undefined
      renderHistory()
      void loadHistory()
    })
    return form
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'inbox-heading', id: 'inbox' },
        h('h2', { id: 'inbox-heading', tabindex: '-1' }, t('inbox.heading')),
        openEl,
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'history-heading' },
        h('h2', { id: 'history-heading' }, t('inbox.history')),
        filterForm(),
        historyEl,
      ),
    )
    renderOpen()
    renderHistory()
  }

  const unsubscribe = ctx.alerts.subscribe(renderOpen)
  void loadHistory()

  return {
    render,
    resync: () => void loadHistory(),
    stop() {
      stopped = true
      unsubscribe()
    },
  }
}
