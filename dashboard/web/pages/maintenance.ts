import { h, replaceChildren } from '../dom.js'
import { formatMoment, isoTime } from '../format.js'
import { siteNames } from '../sites.js'
import type { MaintenanceWindow } from '../types-admin.js'
import { errorMessage, field, loadState } from './admin/form.js'
import type { Page, PageContext } from './page.js'

const HOUR = 3_600_000
/** Common lengths of field work; "until closed" for work whose end nobody knows yet. */
const DURATIONS = [1, 2, 4, 8, 24, 0] as const

/**
 * Maintenance windows (operators and admins, within their scope): while one is open the device's
 * or site's alerts pause and its readings are stored flagged `maintenance`, shown as such on the
 * charts. Open one before cleaning a sensor; close it when done.
 */
export function createMaintenancePage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  let windows: MaintenanceWindow[] = []
  let state: { loading: boolean; error?: unknown } = { loading: true }
  const listEl = h('div', {
    class: 'table-wrap',
    tabindex: '0',
    role: 'region',
    'aria-labelledby': 'maint-heading',
  })
  const status = h('p', { role: 'status', class: 'muted' })
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'maint-error' })
  let stopped = false

  async function load(): Promise<void> {
    try {
      windows = await api.maintenance({ limit: 100 })
      state = { loading: false }
    } catch (error) {
      ctx.onError(error)
      state = { loading: false, error }
    }
    if (!stopped) drawList()
  }

  async function close(w: MaintenanceWindow): Promise<void> {
    const { t } = ui()
    try {
      await api.closeMaintenance(w.id)
      status.textContent = t('maint.closed', { target: w.target })
      await load()
    } catch (error) {
      ctx.onError(error)
      status.textContent = t('admin.failed', { detail: errorMessage(error) })
    }
  }

  function drawList(): void {
    const { t, lang, now } = ui()
    const time = (ms: number | null) =>
      ms === null ? t('maint.open') : h('time', { datetime: isoTime(ms) }, formatMoment(ms, now(), lang))
    const active = (w: MaintenanceWindow) =>
      w.closedAt === null && (w.endsAt === null || w.endsAt > now()) && w.startsAt <= now()
    replaceChildren(
      listEl,
      loadState(ui, state, () =>
        windows.length === 0
          ? h('p', { class: 'muted' }, t('maint.none'))
          : h(
              'table',
              { class: 'data-table' },
              h('caption', {}, t('maint.caption')),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  [
                    'maint.target',
                    'maint.reason',
                    'maint.start',
                    'maint.end',
                    'maint.by',
                    'admin.actions',
                  ].map((k) => h('th', { scope: 'col' }, t(k as 'maint.target'))),
                ),
              ),
              h(
                'tbody',
                {},
                windows.map((w) => {
                  const button = h(
                    'button',
                    { type: 'button', class: 'button-secondary', id: `close-maint-${w.id}` },
                    t('maint.close'),
                    h('span', { class: 'visually-hidden' }, ` ${w.target}`),
                  )
                  button.addEventListener('click', () => void close(w))
                  return h(
                    'tr',
                    {},
                    h(
                      'th',
                      { scope: 'row' },
                      `${t(w.scope === 'site' ? 'settings.site' : 'settings.device')}: ${w.target}`,
                      active(w) && h('strong', { class: 'maint-active' }, ` ${t('maint.active')}`),
                    ),
                    h('td', {}, w.reason),
                    h('td', {}, time(w.startsAt)),
                    h('td', {}, w.closedAt !== null ? time(w.closedAt) : time(w.endsAt)),
                    h('td', {}, w.closedBy ? `${w.openedBy} / ${w.closedBy}` : w.openedBy),
                    h('td', {}, active(w) && button),
                  )
                }),
              ),
            ),
      ),
    )
  }

  let targetSelect: HTMLSelectElement | undefined

  /** The devices and sites in the user's scope; refilled when the list arrives, keeping the choice. */
  function fillTargets(): void {
    if (targetSelect === undefined) return
    const { t } = ui()
    const chosen = targetSelect.value
    const devices = ctx.devices.list().sort((a, b) => a.id.localeCompare(b.id))
    replaceChildren(
      targetSelect,
      h(
        'optgroup',
        { label: t('settings.device') },
        devices.map((d) =>
          h(
            'option',
            { value: `device:${d.id}`, selected: `device:${d.id}` === chosen },
            d.site ? `${d.id}（${d.site}）` : d.id,
          ),
        ),
      ),
      h(
        'optgroup',
        { label: t('settings.site') },
        siteNames(devices).map((s) =>
          h('option', { value: `site:${s}`, selected: `site:${s}` === chosen }, s),
        ),
      ),
    )
  }

  function openForm(): HTMLFormElement {
    const { t } = ui()
    const target = h('select', { id: 'maint-target', required: true })
    targetSelect = target
    fillTargets()
    const duration = h(
      'select',
      { id: 'maint-duration' },
      DURATIONS.map((d) =>
        h('option', { value: String(d) }, d === 0 ? t('maint.untilClosed') : t('maint.hours', { count: d })),
      ),
    )
    const reason = h('input', { id: 'maint-reason', type: 'text', required: true, maxlength: 500 })
    const form = h(
      'form',
      { class: 'admin-form', 'aria-labelledby': 'maint-open-heading', 'aria-describedby': 'maint-error' },
      h('h3', { id: 'maint-open-heading' }, t('maint.openHeading')),
      field('maint-target', t('maint.target'), target),
      field('maint-duration', t('maint.duration'), duration),
      field('maint-reason', t('maint.reason'), reason, t('maint.reasonHint')),
      formError,
      h('div', { class: 'button-row' }, h('button', { type: 'submit' }, t('maint.submit'))),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      formError.textContent = ''
      const [scope, ...rest] = target.value.split(':')
      const name = rest.join(':')
      const hours = Number(duration.value)
      const body = {
        ...(scope === 'site' ? { site: name } : { deviceId: name }),
        ...(hours > 0 ? { end: ui().now() + hours * HOUR } : {}),
        reason: reason.value.trim(),
      }
      api
        .openMaintenance(body)
        .then(() => {
          form.reset()
          status.textContent = t('maint.opened', { target: name })
          return load()
        })
        .catch((error: unknown) => {
          ctx.onError(error)
          formError.textContent = t('admin.failed', { detail: errorMessage(error) })
        })
    })
    return form
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel admin', 'aria-labelledby': 'maint-heading' },
        h('h2', { id: 'maint-heading', tabindex: '-1' }, t('maint.heading')),
        h('p', {}, t('maint.intro')),
        openForm(),
        status,
        listEl,
      ),
    )
    drawList()
  }

  const unsubscribe = ctx.devices.subscribe((c) => {
    if (c.type === 'list') fillTargets()
  })
  void load()
  return {
    render,
    resync: () => void load(),
    stop() {
      stopped = true
      unsubscribe()
    },
  }
}
