import type { MessageKey } from './i18n/translate.js'
import type { DeviceStatus, Severity } from './types.js'

export interface StatusLook {
  /** A distinct shape per status, so it reads without colour (WCAG 1.4.1) and in greyscale print. */
  icon: string
  labelKey: MessageKey
  /** Worse is higher; used to sort and to pick a site's worst status. */
  rank: number
}

/** Glyphs chosen from plain Unicode geometric shapes that have no emoji presentation. */
export const STATUS_LOOK: Record<DeviceStatus, StatusLook> = {
  critical: { icon: '✕', labelKey: 'status.critical', rank: 6 },
  warning: { icon: '▲', labelKey: 'status.warning', rank: 5 },
  watch: { icon: '△', labelKey: 'status.watch', rank: 4 },
  silent: { icon: '…', labelKey: 'status.silent', rank: 3 },
  info: { icon: 'ⓘ', labelKey: 'status.info', rank: 2 },
  unknown: { icon: '?', labelKey: 'status.unknown', rank: 1 },
  normal: { icon: '○', labelKey: 'status.normal', rank: 0 },
}

export const STATUS_ORDER = (Object.keys(STATUS_LOOK) as DeviceStatus[]).sort(
  (a, b) => STATUS_LOOK[b].rank - STATUS_LOOK[a].rank,
)

/** A server may add statuses later; anything we do not know shows as unknown rather than breaking. */
export function statusLook(status: string): StatusLook & { status: DeviceStatus } {
  const known = Object.hasOwn(STATUS_LOOK, status) ? (status as DeviceStatus) : 'unknown'
  return { ...STATUS_LOOK[known], status: known }
}

export function severityLook(severity: Severity | string): StatusLook & { status: DeviceStatus } {
  return statusLook(severity)
}

/** Counts per status, worst first, leaving out statuses nobody has. */
export function countByStatus(statuses: Iterable<string>): Array<{ status: DeviceStatus; count: number }> {
  const counts = new Map<DeviceStatus, number>()
  for (const s of statuses) {
    const { status } = statusLook(s)
    counts.set(status, (counts.get(status) ?? 0) + 1)
  }
  return STATUS_ORDER.filter((s) => counts.has(s)).map((status) => ({
    status,
    count: counts.get(status) ?? 0,
  }))
}
