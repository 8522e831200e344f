import { allowedPage, canAct, seesAlert } from './access.js'
import { type AlertBook, createAlertBook } from './alert-book.js'
import { createAckControls } from './alert-item.js'
import type { Api } from './api.js'
import type { ConnectionState } from './connection-state.js'
import { createDeviceStore, type DeviceStore } from './device-store.js'
import { type Connect, type Live, startLive } from './live.js'
import type { Page, PageContext, PageFactory, TileConfig } from './pages/page.js'
import { PAGE_FACTORIES } from './pages/registry.js'
import { type PageName, parseRoute } from './routes.js'
import type { Alert, User } from './types.js'
import type { Announce, GetUi } from './ui-context.js'

export interface ShellDeps {
  root: HTMLElement
  api: Api
  connect: Connect
  ui: GetUi
  announce: Announce
  user: User
  tiles: TileConfig
  location: Pick<Location, 'hash'>
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>
  onConnection(state: ConnectionState | undefined): void
  /** The page shown changed: the header marks it in the navigation. */
  onPage(page: PageName): void
  /** Session gone (401 from REST or socket): the app shows the login form. */
  onUnauthorized(): void
}

export interface Shell {
  render(): void
  stop(): void
}

/**
 * Without a socket after this long, load over REST anyway: a proxy that blocks WebSockets and
 * long-polling must still leave the user with a (non-live) picture.
 */
const REST_FALLBACK_MS = 1500
/** Alerts change a device's status; one list refetch covers a burst of them. */
const STATUS_REFETCH_MS = 800

/**
 * The signed-in app: one socket and one shared device list and alert book for every page, and the
 * hash router that mounts one page at a time. Live frames and alerts reach whichever page is open.
 */
export function startShell(deps: ShellDeps): Shell {
  const { api, ui, root, user } = deps
  let stopped = false
  let synced = false
  let statusTimer: ReturnType<typeof setTimeout> | undefined
  let page: Page | undefined
  let pageName: PageName | undefined
  let pageKey = ''

  const handleError = (error: unknown): void => {
    if (stopped) return
    if ((error as { status?: number } | null)?.status === 401) deps.onUnauthorized()
  }

  const devices: DeviceStore = createDeviceStore(api)
  const alerts: AlertBook = createAlertBook(api, ui, deps.announce, (a) => seesAlert(user, a))

  async function ack(alert: Alert, note: string): Promise<void> {
    const updated = await api.ackAlert(alert.id, note)
    alerts.apply({ event: 'acknowledged', alert: { ...alert, ...updated } })
    deps.announce(ui().t('ack.announce', { device: alert.deviceId }))
    document.getElementById(`ack-state-${alert.id}`)?.focus()
  }
  const acks = createAckControls(ui, canAct(user) ? ack : undefined)

  const ctx = (): PageContext => ({
    root,
    api,
    ui,
    announce: deps.announce,
    user,
    devices,
    alerts,
    acks,
    onError: handleError,
    tiles: deps.tiles,
  })

  const loadDevices = (): void => {
    devices.load().catch(handleError)
  }
  const loadAlerts = (): void => {
    alerts.load().catch(handleError)
  }

  function mount(focus: boolean): void {
    const route = parseRoute(deps.location.hash)
    if (!route.isRoute && focus) return
    const name = allowedPage(route.page, user)
    const key = `${name}/${route.deviceId ?? ''}`
    if (key === pageKey) return
    page?.stop()
    pageKey = key
    pageName = name
    const factory: PageFactory = PAGE_FACTORIES[name]
    page = factory({ ...ctx(), deviceId: route.deviceId })
    page.render()
    deps.onPage(name)
    if (focus) {
      // A new page: move the reading position to its heading, as a page load would.
      const heading = root.querySelector<HTMLElement>('h2[tabindex="-1"]') ?? root
      heading.focus()
      root.scrollIntoView?.({ block: 'start' })
    }
  }
  const onHashChange = (): void => mount(true)
  deps.window.addEventListener('hashchange', onHashChange)
  mount(false)

  function resync(): void {
    synced = true
    loadDevices()
    loadAlerts()
    page?.resync?.()
  }

  const live: Live = startLive(
    { connect: deps.connect, token: api.token, now: () => ui().now() },
    {
      onState: (state) => {
        if (!stopped) deps.onConnection(state)
      },
      onReading: (frame) => {
        devices.applyFrame(frame)
        page?.applyFrame?.(frame)
      },
      onAlert: (event) => {
        if (alerts.apply(event)) devices.applyAlert(event)
        page?.applyAlert?.(event)
        clearTimeout(statusTimer)
        statusTimer = setTimeout(loadDevices, STATUS_REFETCH_MS)
      },
      onResync: resync,
      onUnauthorized: () => {
        if (!stopped) deps.onUnauthorized()
      },
    },
  )
  const fallback = setTimeout(() => {
    if (!synced && !stopped) {
      loadDevices()
      loadAlerts()
    }
  }, REST_FALLBACK_MS)

  return {
    render() {
      page?.render()
      if (pageName !== undefined) deps.onPage(pageName)
    },
    stop() {
      stopped = true
      clearTimeout(fallback)
      clearTimeout(statusTimer)
      live.stop()
      page?.stop()
      page = undefined
      deps.window.removeEventListener('hashchange', onHashChange)
      deps.onConnection(undefined)
    },
  }
}
