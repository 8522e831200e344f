import type { AlertBook } from './alert-book.js'
import { type AckControls, alertItem } from './alert-item.js'
import { OPEN_PREVIEW } from './alerts.js'
import { h, keepFocus, replaceChildren } from './dom.js'
import { pageHref } from './routes.js'
import type { GetUi } from './ui-context.js'

export interface AlertsPanel {
  render(): void
  stop(): void
}

/**
 * The open alerts beside the overview: worst first, the first few with a "show all" toggle, and
 * the recently cleared ones folded away. The full inbox with history is its own page.
 */
export function createAlertsPanel(
  root: HTMLElement,
  book: AlertBook,
  ui: GetUi,
  acks: AckControls,
): AlertsPanel {
  let showAll = false
  // Kept across live re-renders, which would otherwise fold the list away under the reader.
  let recentOpen = false

  function draw(): void {
    const { t } = ui()
    const state = book.state()
    const openShown = showAll ? state.open : state.open.slice(0, OPEN_PREVIEW)
    const more = state.open.length - openShown.length
    let toggle: HTMLButtonElement | false = false
    if (state.open.length > OPEN_PREVIEW) {
      toggle = h(
        'button',
        {
          type: 'button',
          class: 'button-secondary',
          id: 'open-alerts-toggle',
          'aria-expanded': String(showAll),
          'aria-controls': 'open-alerts',
        },
        showAll ? t('alerts.showFewer') : t('alerts.showAll', { count: more }),
      )
      toggle.addEventListener('click', () => {
        showAll = !showAll
        render()
      })
    }
    const recent = h(
      'details',
      { class: 'recent-alerts', open: recentOpen },
      h('summary', {}, t('alerts.recent'), ` (${state.recent.length})`),
      state.recent.length === 0
        ? h('p', { class: 'muted' }, t('alerts.noneRecent'))
        : h(
            'ul',
            { class: 'alert-list' },
            state.recent.map((a) => alertItem(a, ui)),
          ),
    )
    recent.addEventListener('toggle', () => {
      recentOpen = recent.open
    })
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
      !book.loaded()
        ? h('p', { class: 'muted' }, t('app.loading'))
        : state.open.length === 0
          ? h('p', { class: 'muted' }, t('alerts.noneOpen'))
          : h(
              'ul',
              { class: 'alert-list', id: 'open-alerts', 'aria-labelledby': 'open-alerts-heading' },
              openShown.map((a) => alertItem(a, ui, acks)),
            ),
      toggle,
      recent,
      h('p', {}, h('a', { href: pageHref('alerts') }, t('alerts.inboxLink'))),
    )
  }

  const render = (): void => keepFocus(root, draw)
  const unsubscribe = book.subscribe(render)
  return { render, stop: unsubscribe }
}
