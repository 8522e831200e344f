import type { AlertEvent, ReadingFrame } from './types.js'

/**
 * Checks of socket messages at the edge: the browser drops a malformed frame rather than letting
 * it reach the DOM or the chart (hand-written to keep zod out of the phone's bundle).
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const SEVERITIES = new Set(['info', 'watch', 'warning', 'critical'])
const EVENTS = new Set(['raised', 'acknowledged', 'escalated', 'cleared'])

export function isReadingFrame(value: unknown): value is ReadingFrame {
  if (!isRecord(value) || typeof value.deviceId !== 'string' || !Number.isFinite(value.ts)) return false
  if (typeof value.ts !== 'number' || !isRecord(value.m)) return false
  return Object.values(value.m).every((v) => typeof v === 'number')
}

export function isAlertEvent(value: unknown): value is AlertEvent {
  if (!isRecord(value) || typeof value.event !== 'string' || !EVENTS.has(value.event)) return false
  const a = value.alert
  return (
    isRecord(a) &&
    (typeof a.id === 'string' || typeof a.id === 'number') &&
    typeof a.deviceId === 'string' &&
    typeof a.severity === 'string' &&
    SEVERITIES.has(a.severity)
  )
}
