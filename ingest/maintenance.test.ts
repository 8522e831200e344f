import { describe, expect, it } from 'vitest'
import { createMaintenanceCalendar } from './maintenance.js'
import type { AuditEntry, MaintenanceWindow, NewAuditEntry } from './store/meta-store.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 6, 1, 0)

/** An in-memory stand-in for the store's maintenance and audit tables. */
function memoryStore() {
  const windows: MaintenanceWindow[] = []
  const audit: NewAuditEntry[] = []
  return {
    audit,
    async addMaintenanceWindow(w: Omit<MaintenanceWindow, 'id' | 'closedBy' | 'closedAt'>) {
      const window = { ...w, id: windows.length + 1, closedBy: null, closedAt: null }
      windows.push(window)
      return window
    },
    async closeMaintenanceWindow(id: number, at: number, by: string) {
      const w = windows.find((x) => x.id === id && x.closedAt === null)
      if (!w) return undefined
      Object.assign(w, {
        endsAt: w.endsAt === null || w.endsAt > at ? at : w.endsAt,
        closedAt: at,
        closedBy: by,
      })
      return { ...w }
    },
    listMaintenanceWindows: async () => [...windows],
    addAudit: async (e: NewAuditEntry) => void audit.push(e),
    listAudit: async () => [] as AuditEntry[],
  }
}

describe('maintenance windows', () => {
  it('flag readings of the device, or of every device at the site, by the reading’s own time', async () => {
    let now = T0
    const store = memoryStore()
    const sites: Record<string, string> = { 'r-1': 'Ikeda', 'r-2': 'Ikeda', 'r-3': 'Ono' }
    const calendar = await createMaintenanceCalendar({ store, siteOf: (id) => sites[id], now: () => now })
    await calendar.open(
      { scope: 'device', target: 'r-3', startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR, reason: 'gauge swap' },
      'sato',
    )
    const site = await calendar.open({ scope: 'site', target: 'Ikeda', reason: 'spillway cleaning' }, 'sato')
    expect(calendar.qualityOf('r-1', T0 + 5 * HOUR)).toBe('maintenance')
    expect(calendar.qualityOf('r-1', T0 - 1)).toBeUndefined()
    expect(calendar.qualityOf('r-3', T0 + 90 * 60_000)).toBe('maintenance')
    expect(calendar.qualityOf('r-3', T0 + 2 * HOUR)).toBeUndefined()
    expect(calendar.paused({ id: 'r-2', site: 'Ikeda' }, T0 + HOUR)).toBe(true)

    now = T0 + 3 * HOUR
    expect(await calendar.close(site.id, 'suzuki')).toMatchObject({ endsAt: now, closedBy: 'suzuki' })
    expect(calendar.qualityOf('r-1', now + 1)).toBeUndefined()
    // a late reading from inside the window still gets the flag
    expect(calendar.qualityOf('r-1', now - HOUR)).toBe('maintenance')
    expect(await calendar.close(site.id, 'suzuki')).toBeUndefined()
    expect(store.audit.map((a) => `${a.action} ${a.target} ${a.actor}`)).toEqual([
      'maintenance.open device:r-3 sato',
      'maintenance.open site:Ikeda sato',
      'maintenance.close site:Ikeda suzuki',
    ])
  })
})
