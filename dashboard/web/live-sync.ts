import { WINDOW_MS } from './charts/series.js'
import { statusLook } from './status.js'
import type { AlertEvent, DeviceSummary, LatestValues, ReadingFrame } from './types.js'

/**
 * Keeps the newer sample per metric. A REST answer can be older than a frame that arrived while
 * it was in flight, and frames can arrive out of order (gateway backfill), so ts decides, not
 * arrival order.
 */
export function mergeLatest(current: LatestValues, incoming: LatestValues): LatestValues {
  let out: LatestValues | undefined
  for (const [metric, sample] of Object.entries(incoming)) {
    const have = current[metric]
    if (have !== undefined && have.ts > sample.ts) continue
    if (have !== undefined && have.ts === sample.ts && have.value === sample.value) continue
    out ??= { ...current }
    out[metric] = sample
  }
  return out ?? current
}

/** The latest-values view of one socket frame. */
export function frameToLatest(frame: ReadingFrame): LatestValues {
  const out: LatestValues = {}
  for (const [metric, value] of Object.entries(frame.m)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[metric] = { ts: frame.ts, value }
  }
  return out
}

/** Applies a frame to a device row: newer values, and last seen moves forward only. */
export function applyFrame(device: DeviceSummary, frame: ReadingFrame): DeviceSummary {
  const latest = mergeLatest(device.latest, frameToLatest(frame))
  const lastSeen = device.lastSeen === null ? frame.ts : Math.max(device.lastSeen, frame.ts)
  if (latest === device.latest && lastSeen === device.lastSeen) return device
  return { ...device, latest, lastSeen }
}

/**
 * Replaces the device list with a fresh REST answer without losing frames that arrived while the
 * request was in flight: per device, the newer sample per metric wins.
 */
export function mergeDeviceList(
  current: ReadonlyMap<string, DeviceSummary>,
  fresh: readonly DeviceSummary[],
): Map<string, DeviceSummary> {
  const out = new Map<string, DeviceSummary>()
  for (const device of fresh) {
    const have = current.get(device.id)
    if (have === undefined) {
      out.set(device.id, device)
      continue
    }
    const lastSeen =
      have.lastSeen === null ? device.lastSeen : Math.max(have.lastSeen, device.lastSeen ?? have.lastSeen)
    out.set(device.id, { ...device, latest: mergeLatest(device.latest, have.latest), lastSeen })
  }
  return out
}

export interface RangeRequest {
  from: number
  to: number
}

/**
 * What to refetch for a chart after the socket was away. Frames sent while disconnected are lost
 * (they are volatile and coalesced), so everything after the last point we hold is asked for again,
 * overlapping by a margin because a frame that did arrive may have been coalesced from a later
 * reading than an earlier, missed one. With nothing held, the whole window.
 */
export function gapRange(
  lastPointTs: number | undefined,
  now: number,
  windowMs = WINDOW_MS,
  overlapMs = 60_000,
): RangeRequest {
  const windowStart = now - windowMs
  if (lastPointTs === undefined) return { from: windowStart, to: now }
  return { from: Math.max(windowStart, lastPointTs - overlapMs), to: now }
}

const SEVERITY_STATUSES = new Set(['info', 'watch', 'warning', 'critical'])

/**
 * Reflects a live alert in its device's row at once, rather than a second later when the list
 * refetch lands (which stays the source of truth: a cleared alert may leave another one open).
 * Call it only for events that changed the open set, so a repeated event is not counted twice.
 */
export function applyAlertToDevice(device: DeviceSummary, event: AlertEvent): DeviceSummary {
  if (event.event === 'raised') {
    const worse = statusLook(event.alert.severity).rank > statusLook(device.status).rank
    return {
      ...device,
      status: worse ? event.alert.severity : device.status,
      openAlerts: device.openAlerts + 1,
    }
  }
  const openAlerts = Math.max(0, device.openAlerts - 1)
  const status = openAlerts === 0 && SEVERITY_STATUSES.has(device.status) ? 'normal' : device.status
  return { ...device, status, openAlerts }
}
