import { isDeviceKind, KIND_METRICS } from '../../firmware-contracts/kinds.js'
import type { LatestValues } from './types.js'

/**
 * Metrics in the order the contract lists them for the kind (primary first), then any metric the
 * device sent that the contract does not know, alphabetically.
 */
export function orderedMetrics(kind: string, latest: LatestValues): string[] {
  const known = isDeviceKind(kind) ? Object.keys(KIND_METRICS[kind]) : []
  const present = Object.keys(latest)
  const extra = present.filter((m) => !known.includes(m)).sort()
  return [...known.filter((m) => present.includes(m)), ...extra]
}
