import { statusLook } from './status.js'
import type { DeviceStatus, DeviceSummary } from './types.js'

export interface DeviceFilter {
  /** '' = every kind. */
  kind: string
  /** '' = every site; NO_SITE = devices without one. */
  site: string
}

/** The filter value for devices that have no site yet. */
export const NO_SITE = '\u0000none'

export interface SiteSummary {
  site: string | null
  kinds: string[]
  /** Worst status of its devices (DESIGN.md: site status = worst open severity, else silent, else normal). */
  status: DeviceStatus
  devices: DeviceSummary[]
}

export function matchesFilter(device: DeviceSummary, filter: DeviceFilter): boolean {
  if (filter.kind !== '' && device.kind !== filter.kind) return false
  if (filter.site === '') return true
  return filter.site === NO_SITE ? device.site === null : device.site === filter.site
}

export function worstStatus(devices: readonly DeviceSummary[]): DeviceStatus {
  let worst: DeviceStatus = 'normal'
  for (const d of devices)
    if (statusLook(d.status).rank > statusLook(worst).rank) worst = statusLook(d.status).status
  return worst
}

/** One entry per site (devices without a site together last), worst status first, then by name. */
export function summarizeSites(devices: readonly DeviceSummary[]): SiteSummary[] {
  const bySite = new Map<string | null, DeviceSummary[]>()
  for (const d of devices) bySite.set(d.site, [...(bySite.get(d.site) ?? []), d])
  return [...bySite.entries()]
    .map(([site, list]) => ({
      site,
      kinds: [...new Set(list.map((d) => d.kind))].sort(),
      status: worstStatus(list),
      devices: list,
    }))
    .sort(
      (a, b) =>
        Number(a.site === null) - Number(b.site === null) ||
        statusLook(b.status).rank - statusLook(a.status).rank ||
        (a.site ?? '').localeCompare(b.site ?? '', 'ja'),
    )
}

/** Sites present in the list, for the area filter, in Japanese collation order. */
export function siteNames(devices: readonly DeviceSummary[]): string[] {
  const names = new Set<string>()
  for (const d of devices) if (d.site !== null) names.add(d.site)
  return [...names].sort((a, b) => a.localeCompare(b, 'ja'))
}

/** Devices that can be put on a map; the others are listed beside it. */
export function hasPosition(device: DeviceSummary): device is DeviceSummary & { lat: number; lon: number } {
  return (
    typeof device.lat === 'number' &&
    typeof device.lon === 'number' &&
    Number.isFinite(device.lat) &&
    Number.isFinite(device.lon)
  )
}
