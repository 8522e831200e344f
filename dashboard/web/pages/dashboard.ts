import { createAlertsPanel } from '../alerts.js'
import type { Api } from '../api.js'
import type { ConnectionState } from '../connection-state.js'
import { h, replaceChildren } from '../dom.js'
import { type Connect, type Live, startLive } from '../live.js'
import { parseRoute } from '../routes.js'
import type { Announce, GetUi } from '../ui-context.js'
import { createDetailPage } from './device-detail.js'
import { createDevicesPage } from './devices.js'

export interface DashboardDeps {
  root: HTMLElement
  api: Api
  connect: Connect
  ui: GetUi
  announce: Announce
  location: Pick<Location, 'hash'>
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>
  onConnection(state: ConnectionState | undefined): void
  /** Session gone (401 from REST or socket): the app shows the login form. */
  onUnauthorized(): void
}

export interface Dashboard {
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

export function startDashboard(deps: DashboardDeps): Dashboard {
  const { api, ui, root } = deps
  let stopped = false
  let synced = false
  let statusTimer: ReturnType<typeof setTimeout> | undefined

  const devicesRoot = h('div', { class: 'area-devices' })
  const detailRoot = h('section', {
    id: 'detail',
    class: 'area-detail panel',
    'aria-labelledby': 'detail-heading',
  })
  const alertsRoot = h('section', {
    id: 'alerts',
    class: 'area-alerts panel',
    'aria-labelledby': 'alerts-heading',
  })
  replaceChildren(
    root,
    h('div', { class: 'dashboard' }, devicesRoot, h('div', { class: 'side' }, detailRoot, alertsRoot)),
  )

  const handleError = (error: unknown): void => {
    if (stopped) return
    if ((error as { status?: number } | null)?.status === 401) deps.onUnauthorized()
  }

  const devices = createDevicesPage(devicesRoot, ui)
  const detail = createDetailPage(detailRoot, {
    api,
    ui,
    statusOf: (id) => devices.get(id)?.status,
    onError: handleError,
  })
  const alerts = createAlertsPanel(alertsRoot, api, ui, deps.announce)

  async function loadDevices(): Promise<void> {
    try {
      const list = await api.devices()
      if (stopped) return
      devices.setDevices(list)
      detail.refreshStatus()
    } catch (error) {
      if (stopped) return
      handleError(error)
      devices.setError(error instanceof Error ? error.message : String(error), () => void loadDevices())
    }
  }

  function resync(): void {
    synced = true
    void loadDevices()
    alerts.load().catch(handleError)
    void detail.resync()
  }

  const route = (focus: boolean): void => {
    const r = parseRoute(deps.location.hash)
    if (!r.isRoute && focus) return
    devices.setSelected(r.deviceId)
    detail.select(r.deviceId, focus && r.deviceId !== undefined)
  }
  const onHashChange = (): void => route(true)
  deps.window.addEventListener('hashchange', onHashChange)

  devices.render()
  detail.render()
  alerts.render()
  route(false)

  const live: Live = startLive(
    { connect: deps.connect, token: api.token, now: () => ui().now() },
    {
      onState: (state) => {
        if (!stopped) deps.onConnection(state)
      },
      onReading: (frame) => {
        devices.applyFrame(frame)
        detail.applyFrame(frame)
      },
      onAlert: (event) => {
        if (alerts.applyEvent(event)) {
          devices.applyAlert(event)
          detail.refreshStatus()
        }
        clearTimeout(statusTimer)
        statusTimer = setTimeout(() => void loadDevices(), STATUS_REFETCH_MS)
      },
      onResync: resync,
      onUnauthorized: () => {
        if (!stopped) deps.onUnauthorized()
      },
    },
  )
  const fallback = setTimeout(() => {
    if (!synced && !stopped) {
      void loadDevices()
      alerts.load().catch(handleError)
    }
  }, REST_FALLBACK_MS)

  return {
    render() {
      devices.render()
      detail.render()
      alerts.render()
    },
    stop() {
      stopped = true
      clearTimeout(fallback)
      clearTimeout(statusTimer)
      live.stop()
      detail.stop()
      deps.window.removeEventListener('hashchange', onHashChange)
      deps.onConnection(undefined)
    },
  }
}
