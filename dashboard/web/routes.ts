/**
 * Hash routes: `#/devices/<id>` and `#/alerts` keep the page across a reload and the back button.
 * A hash that does not start with `#/` (an in-page anchor) is not a route.
 */

export const PAGES = [
  'overview',
  'alerts',
  'paddy',
  'reservoir',
  'rail',
  'report',
  'maintenance',
  'admin-devices',
  'admin-users',
  'admin-gateways',
  'admin-dead-letters',
  'admin-rules',
] as const
export type PageName = (typeof PAGES)[number] | 'device'

export type Route = { isRoute: boolean; page: PageName; deviceId?: string }

const PATHS: Record<Exclude<PageName, 'device'>, string> = {
  overview: '',
  alerts: 'alerts',
  paddy: 'paddy',
  reservoir: 'reservoir',
  rail: 'rail',
  report: 'report',
  maintenance: 'maintenance',
  'admin-devices': 'admin/devices',
  'admin-users': 'admin/users',
  'admin-gateways': 'admin/gateways',
  'admin-dead-letters': 'admin/dead-letters',
  'admin-rules': 'admin/rules',
}

const BY_PATH = new Map(Object.entries(PATHS).map(([page, path]) => [path, page as PageName]))

export function parseRoute(hash: string): Route {
  if (!hash.startsWith('#/')) return { isRoute: false, page: 'overview' }
  const path = hash.slice(2).replace(/\/$/, '')
  const device = /^devices\/([^/]+)$/.exec(path)
  if (device !== null) {
    try {
      return { isRoute: true, page: 'device', deviceId: decodeURIComponent(device[1] as string) }
    } catch {
      return { isRoute: true, page: 'overview' }
    }
  }
  return { isRoute: true, page: BY_PATH.get(path) ?? 'overview' }
}

/** Link target of a device. */
export function deviceHref(id: string): string {
  return `#/devices/${encodeURIComponent(id)}`
}

export function pageHref(page: Exclude<PageName, 'device'>): string {
  return `#/${PATHS[page]}`
}
