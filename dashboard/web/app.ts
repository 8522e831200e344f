import { createAnnouncer } from './announcer.js'
import { type Api, ApiError, isDemo } from './api.js'
import { h, replaceChildren } from './dom.js'
import { createHeader } from './header.js'
import { createTranslator, type Lang, type MessageKey, readLang, saveLang } from './i18n/translate.js'
import type { Connect } from './live.js'
import { tileConfig } from './map/tiles.js'
import { createLoginPage } from './pages/login.js'
import { applyLargeType, readLargeType, saveLargeType } from './prefs.js'
import { type Shell, startShell } from './shell.js'
import type { Me, User } from './types.js'
import type { UiContext } from './ui-context.js'

export interface AppDeps {
  document: Document
  window: Window
  api: Api
  connect: Connect
  storage: Storage | undefined
  now: () => number
}

function required(document: Document, id: string): HTMLElement {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`index.html lacks #${id}`)
  return el
}

/** Wires header, login and dashboard into the static shell of index.html. */
export function startApp(deps: AppDeps): void {
  const { document, api } = deps
  let lang: Lang = readLang(deps.storage)
  let ui: UiContext = { lang, t: createTranslator(lang), now: deps.now }
  const getUi = (): UiContext => ui
  const main = required(document, 'main')
  const skip = required(document, 'skip-link')
  const announce = createAnnouncer(
    required(document, 'announce-polite'),
    required(document, 'announce-assertive'),
  )

  let dashboard: Shell | undefined
  let rerenderPage: () => void = () => {}
  let demo = false
  let largeType = readLargeType(deps.storage)
  applyLargeType(document.documentElement, largeType)

  const header = createHeader(
    required(document, 'app-header'),
    required(document, 'demo-banner'),
    required(document, 'app-nav'),
    getUi,
    {
      onToggleLang() {
        setLang(lang === 'ja' ? 'en' : 'ja')
        document.querySelector<HTMLButtonElement>('#app-header button[lang]')?.focus()
      },
      onToggleLargeType() {
        largeType = !largeType
        saveLargeType(deps.storage, largeType)
        applyLargeType(document.documentElement, largeType)
        header.setLargeType(largeType)
        document.getElementById('large-type')?.focus()
      },
      onLogout() {
        api
          .logout()
          .catch(() => {
            // Already logged out server-side, or offline: either way the local session ends here.
          })
          .finally(() => showLogin())
      },
    },
  )

  function applyLang(): void {
    document.documentElement.lang = lang
    document.title = ui.t('app.title')
    skip.textContent = ui.t('app.skip')
  }

  function setLang(next: Lang): void {
    lang = next
    ui = { lang, t: createTranslator(lang), now: deps.now }
    saveLang(deps.storage, lang)
    applyLang()
    header.render()
    rerenderPage()
  }

  // Asked once per page: the answer does not change while the server runs.
  let systemAsked = false
  function checkDemo(me?: Me): void {
    if (me?.demo === true) setDemo(true)
    if (systemAsked) return
    systemAsked = true
    api
      .system()
      .then((info) => {
        if (isDemo(info)) setDemo(true)
      })
      .catch(() => {
        // /system is optional (older servers, or not public); /me already told us what it knows.
      })
  }

  function setDemo(next: boolean): void {
    if (next === demo) return
    demo = next
    header.setDemo(demo)
  }

  function showLogin(notice?: MessageKey): void {
    dashboard?.stop()
    dashboard = undefined
    header.setUser(undefined)
    const page = createLoginPage(main, getUi, {
      login: (username, password) => api.login(username, password),
      notice,
      onSuccess: (result) => {
        showDashboard(result.user)
        // The login answer has no demo flag; /me has.
        api
          .me()
          .then((me) => checkDemo(me))
          .catch(() => checkDemo())
      },
    })
    rerenderPage = () => page.render()
    page.render()
    document.getElementById('login-username')?.focus()
  }

  function showDashboard(user: User): void {
    header.setUser(user)
    dashboard?.stop()
    dashboard = startShell({
      root: main,
      api,
      connect: deps.connect,
      ui: getUi,
      announce,
      user,
      tiles: tileConfig(document),
      location: deps.window.location,
      window: deps.window,
      onConnection: (state) => header.setConnection(state),
      onPage: (page) => header.setPage(page),
      onUnauthorized: () => showLogin('login.expired'),
    })
    const current = dashboard
    rerenderPage = () => current.render()
  }

  function showBootError(error: unknown): void {
    const retry = h('button', { type: 'button' }, ui.t('app.retry'))
    retry.addEventListener('click', () => void boot())
    replaceChildren(
      main,
      h(
        'p',
        { class: 'form-error', role: 'alert' },
        ui.t('app.error', { detail: String((error as Error)?.message ?? error) }),
      ),
      retry,
    )
    rerenderPage = () => showBootError(error)
  }

  async function boot(): Promise<void> {
    replaceChildren(main, h('p', { class: 'muted' }, ui.t('app.loading')))
    try {
      const me = await api.me()
      showDashboard(me)
      checkDemo(me)
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        showLogin()
        checkDemo()
      } else showBootError(error)
    }
  }

  applyLang()
  header.setLargeType(largeType)
  void boot()
}
