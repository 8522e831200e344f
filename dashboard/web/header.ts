import { type ConnectionState, connectionView } from './connection-state.js'
import { type Child, h, replaceChildren } from './dom.js'
import { roleLabel } from './format.js'
import type { User } from './types.js'
import type { GetUi } from './ui-context.js'

export interface HeaderHandlers {
  onToggleLang(): void
  onLogout(): void
}

export interface Header {
  setUser(user: User | undefined): void
  setDemo(demo: boolean): void
  setConnection(state: ConnectionState | undefined): void
  render(): void
}

/**
 * The banner: title, connection indicator, user, language switch, logout; and the DEMO notice
 * right under it, where nobody can mistake simulated depths for real ones.
 */
export function createHeader(
  root: HTMLElement,
  demoRoot: HTMLElement,
  ui: GetUi,
  handlers: HeaderHandlers,
): Header {
  let user: User | undefined
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
        langButton(other),
        user && logoutButton(),
      ),
    )
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
    render,
  }
}
