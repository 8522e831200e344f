import type { AlertRecord, Severity } from '../../ingest/store/meta-store.js'

export type DeviceStatus = Severity | 'normal' | 'silent' | 'unknown'

const RANK: Record<Severity, number> = { info: 1, watch: 2, warning: 3, critical: 4 }

/**
 * DESIGN.md: status = worst open severity, else `silent` if the device has not reported within
 * `silentAfterMs`, else `normal`; a device that never reported is `unknown`.
 */
export function deviceStatus(
  openAlerts: readonly Pick<AlertRecord, 'severity'>[],
  lastSeen: number | null,
  now: number,
  silentAfterMs: number,
): DeviceStatus {
  let worst: Severity | undefined
  for (const alert of openAlerts) if (!worst || RANK[alert.severity] > RANK[worst]) worst = alert.severity
  if (worst) return worst
  if (lastSeen === null) return 'unknown'
  return now - lastSeen > silentAfterMs ? 'silent' : 'normal'
}
