import { type ConnectionState, connectionView } from './connection-state.js'
import { type Child, h, replaceChildren } from './dom.js'
import { roleLabel } from './format.js'
import { renderNav } from './nav.js'
import type { PageName } from './routes.js'
import type { User } from './types.js'
import type { GetUi } from './ui-context.js'

export interface HeaderHandlers {
  onToggleLang(): void
  onToggleLargeType(): void
  onLogout(): void
}

export interface Header {
  setUser(user: User | undefined): void
  setDemo(demo: boolean): void
  setConnection(state: ConnectionState | undefined): void
  setPage(page: PageName | undefined): void
  setLargeType(on: boolean): void
  render(): void
}

/**
 * The banner: title, connection indicator, user, language switch, logout; and the DEMO notice
 * right under it, where nobody can mistake simulated depths for real ones.
 */
export function createHeader(
  root: HTMLElement,
  demoRoot: HTMLElement,
  navRoot: HTMLElement,
  ui: GetUi,
  handlers: HeaderHandlers,
): Header {
  let user: User | undefined
  let page: PageName | undefined
  let largeType = false
  let demo = false
  let connection: ConnectionState | undefined
  const connectionEl = h('p', { class: 'conn', role: 'status', id: 'connection-status' })
  // While down, "reconnecting" turns into "stale since HH:MM" without any event, so re-check the clock.
  setInterval(() => {
    if (connection?.phase === 'down') renderConnection()
  }, 2000)

  function renderConnection(): void {
    if (connection === undefined) {
      connectionEl.hidden = true
      return
    }
    const { t, now } = ui()
    const view = connectionView(connection, now())
    connectionEl.hidden = false
    connectionEl.className = `conn conn-${view.kind}`
    replaceChildren(
      connectionEl,
      h('span', { class: 'visually-hidden' }, `${t('conn.label')}: `),
      h('span', { class: 'conn-dot', 'aria-hidden': 'true' }),
      t(view.key, view.params),
    )
  }

  function render(): void {
    const { t, lang } = ui()
    const other = lang === 'ja' ? 'en' : 'ja'
    renderConnection()
    replaceChildren(
      root,
      h(
        'div',
        { class: 'brand' },
        h('h1', {}, t('app.title')),
        h('p', { class: 'subtitle' }, t('app.subtitle')),
      ),
      h(
        'div',
        { class: 'header-tools' },
        connectionEl,
        user &&
          h(
            'p',
            { class: 'user' },
            t('user.signedInAs', { username: user.username, role: roleLabel(user.role, t) }),
          ),
        largeTypeButton(),
        langButton(other),
        user && logoutButton(),
      ),
    )
    renderNavigation()
    demoRoot.hidden = !demo
    replaceChildren(demoRoot, demo && [h('strong', {}, 'DEMO'), ' ', t('demo.banner')])
  }

  function langButton(other: 'ja' | 'en'): Child[] {
    const { t } = ui()
    // The label is in the language it switches to, marked as such for screen readers (WCAG 3.1.2).
    const button = h(
      'button',
      { type: 'button', class: 'button-secondary', lang: other, 'aria-describedby': 'lang-hint' },
      t('lang.switch'),
    )
    button.addEventListener('click', handlers.onToggleLang)
    return [button, h('span', { id: 'lang-hint', class: 'visually-hidden' }, t('lang.switchHint'))]
  }

  function renderNavigation(): void {
    navRoot.hidden = user === undefined
    if (user === undefined) replaceChildren(navRoot)
    else renderNav(navRoot, user, page, ui)
  }

  function largeTypeButton(): HTMLButtonElement {
    // A toggle button (aria-pressed): its name stays the same and its state is read out.
    const button = h(
      'button',
      { type: 'button', class: 'button-secondary', id: 'large-type', 'aria-pressed': String(largeType) },
      h('span', { 'aria-hidden': 'true', class: 'large-type-icon' }, 'Aa '),
      ui().t('prefs.largeType'),
    )
    button.addEventListener('click', handlers.onToggleLargeType)
    return button
  }

  function logoutButton(): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'button-secondary' }, ui().t('user.logout'))
    button.addEventListener('click', handlers.onLogout)
    return button
  }

  return {
    setUser(next) {
      user = next
      render()
    },
    setDemo(next) {
      demo = next
      render()
    },
    setConnection(next) {
      connection = next
      renderConnection()
    },
    setPage(next) {
      page = next
      renderNavigation()
    },
    setLargeType(on) {
      largeType = on
      render()
    },
    render,
  }
}
