import type { AuditStore, MaintenanceStore, MaintenanceWindow } from './store/meta-store.js'

/** The quality flag readings taken inside a window are stored with. */
export const MAINTENANCE_QUALITY = 'maintenance'

/** Windows that ended longer ago than this are not kept in memory (late readings older than it are rare). */
const KEEP_ENDED_MS = 30 * 86_400_000

export interface MaintenanceInput {
  scope: 'device' | 'site'
  target: string
  /** Default now. */
  startsAt?: number
  /** Open-ended (until closed) when absent. */
  endsAt?: number | null
  reason: string
}

export interface MaintenanceCalendar {
  /** `maintenance` when a window of the device or its site covers `ts` (a reading's own time). */
  qualityOf(deviceId: string, ts: number): string | undefined
  /** Alerts of the device pause while a window covers `ts`. */
  paused(device: { id: string; site: string | null }, ts: number): boolean
  open(input: MaintenanceInput, actor: string): Promise<MaintenanceWindow>
  close(id: number, actor: string): Promise<MaintenanceWindow | undefined>
  list(filter: { from?: number; to?: number; limit: number }): Promise<MaintenanceWindow[]>
  /** Called after a window opened or closed (the engine resets state of devices coming out of one). */
  onChange(listener: (window: MaintenanceWindow) => void): void
}

/**
 * Maintenance windows of devices and sites (a crew replacing a sensor, a rail section closed for
 * works): kept in memory for the hot path — ingest asks for every reading — and in the store, with
 * every opening and closing in the audit log.
 */
export async function createMaintenanceCalendar(deps: {
  store: MaintenanceStore & AuditStore
  siteOf(deviceId: string): string | null | undefined
  now?: () => number
}): Promise<MaintenanceCalendar> {
  const now = deps.now ?? Date.now
  let windows = await deps.store.listMaintenanceWindows({ from: now() - KEEP_ENDED_MS, limit: 1000 })
  const listeners: Array<(w: MaintenanceWindow) => void> = []

  const covers = (w: MaintenanceWindow, deviceId: string, site: string | null | undefined, ts: number) =>
    ts >= w.startsAt &&
    (w.endsAt === null || ts < w.endsAt) &&
    (w.scope === 'device' ? w.target === deviceId : site != null && w.target === site)

  const active = (deviceId: string, site: string | null | undefined, ts: number) =>
    windows.some((w) => covers(w, deviceId, site, ts))

  const replace = (window: MaintenanceWindow) => {
    const cutoff = now() - KEEP_ENDED_MS
    windows = [
      ...windows.filter((w) => w.id !== window.id && (w.endsAt === null || w.endsAt > cutoff)),
      window,
    ]
    for (const listener of listeners) listener(window)
  }

  return {
    qualityOf: (deviceId, ts) =>
      windows.length > 0 && active(deviceId, deps.siteOf(deviceId), ts) ? MAINTENANCE_QUALITY : undefined,
    paused: (device, ts) => windows.length > 0 && active(device.id, device.site, ts),
    async open(input, actor) {
      const at = now()
      const window = await deps.store.addMaintenanceWindow({
        scope: input.scope,
        target: input.target,
        startsAt: input.startsAt ?? at,
        endsAt: input.endsAt ?? null,
        reason: input.reason,
        openedBy: actor,
        openedAt: at,
      })
      await deps.store.addAudit({
        at,
        actor,
        action: 'maintenance.open',
        target: `${window.scope}:${window.target}`,
        detail: { id: window.id, startsAt: window.startsAt, endsAt: window.endsAt, reason: window.reason },
      })
      replace(window)
      return window
    },
    async close(id, actor) {
      const at = now()
      const window = await deps.store.closeMaintenanceWindow(id, at, actor)
      if (!window) return undefined
      await deps.store.addAudit({
        at,
        actor,
        action: 'maintenance.close',
        target: `${window.scope}:${window.target}`,
        detail: { id, endsAt: window.endsAt },
      })
      replace(window)
      return window
    },
    list: (filter) => deps.store.listMaintenanceWindows(filter),
    onChange: (listener) => listeners.push(listener),
  }
}
