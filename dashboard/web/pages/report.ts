import { patrolCsvHref } from '../api.js'
import { h, replaceChildren } from '../dom.js'
import { kindLabel } from '../format.js'
import { deviceHref } from '../routes.js'
import type { PatrolReport, PatrolRow } from '../types-admin.js'
import type { Page, PageContext } from './page.js'

const DAY = 86_400_000
const JST_OFFSET = 9 * 3_600_000

/** `YYYY-MM-DD` of a moment in Tokyo, for date inputs. */
export function tokyoDate(ms: number): string {
  return new Date(ms + JST_OFFSET).toISOString().slice(0, 10)
}

/** Start of a Tokyo calendar day, and the last millisecond of one. */
export function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00+09:00`)
}
export function dayEnd(date: string): number {
  return dayStart(date) + DAY - 1
}

/** Share of days nobody needed to walk to the paddy or reservoir, as a whole percent. */
export function savedShare(row: Pick<PatrolRow, 'days' | 'daysInBand'>): number {
  return row.days === 0 ? 0 : Math.round((row.daysInBand / row.days) * 100)
}

/**
 * The patrol-savings report (issue 6 item 5, the seed goal: fewer field patrols): per paddy and
 * reservoir, the days with every reading in band (no visit needed) against the days with alerts
 * and the days without data; the same as CSV for the city's records.
 */
export function createReportPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  const today = tokyoDate(ui().now())
  let from = tokyoDate(ui().now() - 29 * DAY)
  let to = today
  let report: PatrolReport | undefined
  let error: string | undefined
  let stopped = false
  const resultEl = h('div', { class: 'report-result', 'aria-live': 'polite' })

  async function load(): Promise<void> {
    report = undefined
    error = undefined
    renderResult()
    try {
      report = await api.patrolReport(dayStart(from), Math.min(dayEnd(to), ui().now()))
    } catch (err) {
      ctx.onError(err)
      error = err instanceof Error ? err.message : String(err)
    }
    if (!stopped) renderResult()
  }

  function renderResult(): void {
    const { t } = ui()
    if (error !== undefined) {
      replaceChildren(
        resultEl,
        h('p', { class: 'form-error', role: 'alert' }, t('app.error', { detail: error })),
      )
      return
    }
    if (report === undefined) {
      replaceChildren(resultEl, h('p', { class: 'muted' }, t('app.loading')))
      return
    }
    const rows = report.devices
    const total = rows.reduce(
      (sum, r) => ({ days: sum.days + r.days, daysInBand: sum.daysInBand + r.daysInBand }),
      { days: 0, daysInBand: 0 },
    )
    const csv = patrolCsvHref(dayStart(from), Math.min(dayEnd(to), ui().now()))
    replaceChildren(
      resultEl,
      h(
        'p',
        { class: 'report-total' },
        t('report.total', { saved: total.daysInBand, days: total.days, share: savedShare(total) }),
      ),
      h(
        'p',
        {},
        h(
          'a',
          { href: csv, download: 'patrol-savings.csv', class: 'button-link', id: 'report-csv' },
          t('report.csv'),
        ),
      ),
      rows.length === 0
        ? h('p', { class: 'muted' }, t('report.empty'))
        : h(
            'div',
            { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'report-heading' },
            h(
              'table',
              { class: 'data-table' },
              h('caption', {}, t('report.caption', { from, to })),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  [
                    'report.col.device',
                    'report.col.kind',
                    'report.col.site',
                    'report.col.days',
                    'report.col.inBand',
                    'report.col.alerts',
                    'report.col.noData',
                    'report.col.share',
                  ].map((k) => h('th', { scope: 'col' }, t(k as 'report.col.device'))),
                ),
              ),
              h(
                'tbody',
                {},
                rows.map((r) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, h('a', { href: deviceHref(r.deviceId) }, r.deviceId)),
                    h('td', {}, kindLabel(r.kind, t)),
                    h('td', {}, r.site ?? t('devices.noSite')),
                    h('td', { class: 'num' }, t('report.days', { count: r.days })),
                    h('td', { class: 'num' }, t('report.days', { count: r.daysInBand })),
                    h('td', { class: 'num' }, t('report.days', { count: r.daysWithAlerts })),
                    h('td', { class: 'num' }, t('report.days', { count: r.daysWithoutData })),
                    h('td', { class: 'num' }, `${savedShare(r)} %`),
                  ),
                ),
              ),
            ),
          ),
    )
  }

  function render(): void {
    const { t } = ui()
    const fromInput = h('input', { type: 'date', id: 'report-from', value: from, max: today, required: true })
    const toInput = h('input', { type: 'date', id: 'report-to', value: to, max: today, required: true })
    const form = h(
      'form',
      { class: 'filter-form' },
      h('div', { class: 'field' }, h('label', { for: 'report-from' }, t('report.from')), fromInput),
      h('div', { class: 'field' }, h('label', { for: 'report-to' }, t('report.to')), toInput),
      h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, t('report.run'))),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      if (fromInput.value === '' || toInput.value === '') return
      ;[from, to] =
        fromInput.value <= toInput.value ? [fromInput.value, toInput.value] : [toInput.value, fromInput.value]
      void load()
    })
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'report-heading' },
        h('h2', { id: 'report-heading', tabindex: '-1' }, t('report.heading')),
        h('p', {}, t('report.intro')),
        form,
        resultEl,
      ),
    )
    renderResult()
  }

  void load()
  return {
    render,
    stop() {
      stopped = true
    },
  }
}
