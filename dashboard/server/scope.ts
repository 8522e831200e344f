import type { DeviceKind } from '../../firmware-contracts/index.js'

/** What a signed-in user is and may see (DESIGN.md, "Roles"): REST and socket.io use the same rules. */
export interface SessionUser {
  username: string
  role: 'admin' | 'operator' | 'viewer'
  /** null = every kind */
  kinds: DeviceKind[] | null
  /** null = every site */
  sites: string[] | null
}

/** A farmer (operator scoped to their paddies) sees only those; rail crews only rail; admins everything. */
export function canSee(user: SessionUser, device: { kind: string; site: string | null }): boolean {
  if (user.role === 'admin') return true
  if (user.kinds && !user.kinds.includes(device.kind as DeviceKind)) return false
  if (user.sites && (device.site === null || !user.sites.includes(device.site))) return false
  return true
}

/** Operators act (acknowledge, maintenance windows) within their scope; viewers only read. */
export function canAct(user: SessionUser, device: { kind: string; site: string | null }): boolean {
  return (user.role === 'admin' || user.role === 'operator') && canSee(user, device)
}

/**
 * May the user open or close a site-wide maintenance window? It pauses every device of the site,
 * so a non-admin needs the site in scope and every device there within reach (an operator of
 * paddies may not silence the rail section that shares the site).
 */
export function canActOnSite(
  user: SessionUser,
  site: string,
  devices: ReadonlyArray<{ kind: string; site: string | null }>,
): boolean {
  if (user.role === 'admin') return true
  if (user.role !== 'operator') return false
  if (user.sites && !user.sites.includes(site)) return false
  return devices.every((d) => d.site !== site || canAct(user, d))
}

/**
 * socket.io rooms: a user joins the rooms of their scope, a frame or alert goes to the rooms of its
 * device; socket.io delivers once per socket however many of its rooms match.
 */
export function roomsOfUser(user: SessionUser): string[] {
  if (user.role === 'admin' || (!user.kinds && !user.sites)) return ['all']
  if (user.kinds && user.sites)
    return user.kinds.flatMap((k) => (user.sites ?? []).map((s) => `kind-site:${k}|${s}`))
  if (user.kinds) return user.kinds.map((k) => `kind:${k}`)
  return (user.sites ?? []).map((s) => `site:${s}`)
}

export function roomsOfDevice(device: { kind: string; site: string | null }): string[] {
  const rooms = ['all', `kind:${device.kind}`]
  if (device.site !== null) rooms.push(`site:${device.site}`, `kind-site:${device.kind}|${device.site}`)
  return rooms
}
