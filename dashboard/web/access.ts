import type { PageName } from './routes.js'
import type { User } from './types.js'

/**
 * What the signed-in user may do, to hide what they cannot (the server enforces the same rules:
 * dashboard/server/scope.ts). A farmer is an operator scoped to paddies and their own sites.
 */

export const isAdmin = (user: User): boolean => user.role === 'admin'

/** Operators and admins acknowledge alerts and open maintenance windows; viewers only read. */
export const canAct = (user: User): boolean => user.role === 'admin' || user.role === 'operator'

/** Whether the user's scope includes this device kind (admins and unscoped users see all). */
export function seesKind(user: User, kind: string): boolean {
  if (isAdmin(user) || user.kinds === null || user.kinds === undefined) return true
  return user.kinds.includes(kind)
}

/**
 * Whether an alert is about a device in the user's scope. The server filters alerts too; this
 * keeps the screen right even when an answer carries more than the user may see.
 */
export function seesAlert(user: User, alert: { kind: string | null; site: string | null }): boolean {
  if (isAdmin(user)) return true
  if (user.kinds && (alert.kind === null || !user.kinds.includes(alert.kind))) return false
  if (user.sites && (alert.site === null || !user.sites.includes(alert.site))) return false
  return true
}

/** Pages only an admin may open; the server refuses their API calls to anyone else anyway. */
const ADMIN_PAGES = new Set<PageName>([
  'admin-devices',
  'admin-users',
  'admin-gateways',
  'admin-dead-letters',
  'admin-rules',
])

export function allowedPage(page: PageName, user: User): PageName {
  if (ADMIN_PAGES.has(page) && !isAdmin(user)) return 'overview'
  if (page === 'maintenance' && !canAct(user)) return 'overview'
  return page
}
