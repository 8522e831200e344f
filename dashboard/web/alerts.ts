import { toEpochMs } from './format.js'
import { statusLook } from './status.js'
import type { Alert, AlertEvent } from './types.js'

/** Open alerts shown before "show all": in a storm the device list must stay within reach on a phone. */
export const OPEN_PREVIEW = 5
/** How many cleared alerts the "recent" list keeps. */
export const RECENT_LIMIT = 20

export interface AlertsState {
  open: Alert[]
  recent: Alert[]
}

export function raisedMs(alert: Alert): number {
  return toEpochMs(alert.raisedAt) ?? 0
}

export function clearedMs(alert: Alert): number {
  return toEpochMs(alert.clearedAt) ?? raisedMs(alert)
}

/** Someone said "I am on it": the server marks it by state or by `acknowledgedAt` on a raised alert. */
export function isAcknowledged(alert: Alert): boolean {
  return (
    alert.state === 'acknowledged' || (alert.acknowledgedAt !== undefined && alert.acknowledgedAt !== null)
  )
}

export function isOpen(alert: Alert): boolean {
  return alert.state !== 'cleared'
}

/** Open alerts worst first, not yet acknowledged before acknowledged, newest first; recent ones by clearing time. */
export function sortAlerts(state: AlertsState): AlertsState {
  const open = [...state.open].sort(
    (a, b) =>
      statusLook(b.severity).rank - statusLook(a.severity).rank ||
      Number(isAcknowledged(a)) - Number(isAcknowledged(b)) ||
      raisedMs(b) - raisedMs(a),
  )
  const recent = [...state.recent].sort((a, b) => clearedMs(b) - clearedMs(a)).slice(0, RECENT_LIMIT)
  return { open, recent }
}

/** Builds the state from the two REST answers (open ones, and the latest of any state). */
export function alertsFromRest(open: readonly Alert[], all: readonly Alert[]): AlertsState {
  const openIds = new Set(open.map((a) => String(a.id)))
  return sortAlerts({
    open: [...open],
    recent: all.filter((a) => a.state === 'cleared' && !openIds.has(String(a.id))),
  })
}

/**
 * Applies one live event. Idempotent: the same event twice (a resync racing the socket) changes
 * nothing, and a `cleared` for an alert we never saw open still lands in "recent". An
 * acknowledgement or escalation replaces the open alert with its newer record.
 */
export function applyAlertEvent(state: AlertsState, event: AlertEvent): AlertsState {
  const id = String(event.alert.id)
  const open = state.open.filter((a) => String(a.id) !== id)
  const recent = state.recent.filter((a) => String(a.id) !== id)
  if (event.event === 'cleared' || event.alert.state === 'cleared')
    recent.push({ ...event.alert, state: 'cleared' })
  else if (event.event === 'acknowledged')
    open.push({
      ...event.alert,
      state: 'acknowledged',
      acknowledgedAt: event.alert.acknowledgedAt ?? Date.now(),
    })
  else open.push(event.alert)
  return sortAlerts({ open, recent })
}

/** Whether an event changes which alerts are open (a repeat or an acknowledgement does not). */
export function changesOpenSet(state: AlertsState, event: AlertEvent): boolean {
  const wasOpen = state.open.some((a) => String(a.id) === String(event.alert.id))
  if (event.event === 'cleared') return wasOpen
  if (event.event === 'raised') return !wasOpen
  return false
}
