import { h, replaceChildren } from '../../dom.js'
import { formatMoment, isoTime } from '../../format.js'
import type { DeadLetterRecord } from '../../types-admin.js'
import type { Page, PageContext } from '../page.js'
import { field, loadState } from './form.js'

/** Newest letters fetched; the filters then narrow them here (the API filters only by count). */
const FETCH_LIMIT = 500

export function filterLetters(
  letters: readonly DeadLetterRecord[],
  reason: string,
  device: string,
): DeadLetterRecord[] {
  const d = device.trim().toLowerCase()
  return letters.filter(
    (l) =>
      (reason === '' || l.reason === reason) && (d === '' || (l.deviceId ?? '').toLowerCase().includes(d)),
  )
}

/**
 * Admin: readings ingest refused (bad JSON, schema, unknown device, oversize…), with the reason,
 * the topic and the raw payload, so a firmware team can see exactly what their device sent.
 */
export function createAdminDeadLettersPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  let letters: DeadLetterRecord[] = []
  let state: { loading: boolean; error?: unknown } = { loading: true }
  let reason = ''
  let device = ''
  const listEl = h('div', { class: 'letters' })
  const filtersEl = h('div')
  let stopped = false

  async function load(): Promise<void> {
    try {
      letters = await api.deadLetters({ limit: FETCH_LIMIT })
      state = { loading: false }
    } catch (error) {
      ctx.onError(error)
      state = { loading: false, error }
    }
    if (stopped) return
    renderFilters()
    drawList()
  }

  function drawList(): void {
    const { t, lang, now } = ui()
    const shown = filterLetters(letters, reason, device)
    replaceChildren(
      listEl,
      loadState(ui, state, () =>
        shown.length === 0
          ? h('p', { class: 'muted' }, t('deadLetters.none'))
          : [
              h(
                'p',
                { class: 'muted', role: 'status' },
                t('deadLetters.count', { count: shown.length, total: letters.length }),
              ),
              h(
                'ul',
                { class: 'letter-list' },
                shown.map((l) =>
                  h(
                    'li',
                    { class: 'letter' },
                    h(
                      'p',
                      { class: 'letter-head' },
                      h('strong', {}, l.reason),
                      ' ',
                      h('time', { datetime: isoTime(l.receivedAt) }, formatMoment(l.receivedAt, now(), lang)),
                      ' ',
                      t('deadLetters.device', { device: l.deviceId ?? '—' }),
                    ),
                    h('p', { class: 'letter-topic' }, h('code', {}, l.topic)),
                    h('p', {}, l.detail),
                    h(
                      'details',
                      {},
                      h('summary', {}, t('deadLetters.payload')),
                      h('pre', { class: 'payload', tabindex: '0' }, l.payload),
                    ),
                  ),
                ),
              ),
            ],
      ),
    )
  }

  function renderFilters(): void {
    const { t } = ui()
    const reasons = [...new Set(letters.map((l) => l.reason))].sort()
    const reasonSelect = h(
      'select',
      { id: 'letters-reason' },
      h('option', { value: '' }, t('devices.filterAll')),
      reasons.map((r) => h('option', { value: r, selected: r === reason }, r)),
    )
    reasonSelect.addEventListener('change', () => {
      reason = reasonSelect.value
      drawList()
    })
    const deviceInput = h('input', {
      id: 'letters-device',
      type: 'search',
      value: device,
      autocomplete: 'off',
    })
    deviceInput.addEventListener('input', () => {
      device = deviceInput.value
      drawList()
    })
    const refresh = h('button', { type: 'button', class: 'button-secondary' }, t('deadLetters.refresh'))
    refresh.addEventListener('click', () => void load())
    replaceChildren(
      filtersEl,
      h(
        'div',
        { class: 'filter-form' },
        field('letters-reason', t('deadLetters.reason'), reasonSelect),
        field('letters-device', t('deadLetters.deviceFilter'), deviceInput),
        h('div', { class: 'field field-submit' }, refresh),
      ),
    )
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel admin', 'aria-labelledby': 'dead-letters-heading' },
        h('h2', { id: 'dead-letters-heading', tabindex: '-1' }, t('deadLetters.heading')),
        h('p', {}, t('deadLetters.intro')),
        filtersEl,
        listEl,
      ),
    )
    renderFilters()
    drawList()
  }

  void load()
  return {
    render,
    stop() {
      stopped = true
    },
  }
}
