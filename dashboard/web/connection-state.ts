import { formatClock } from './format.js'
import type { MessageKey } from './i18n/translate.js'

/**
 * How long a reconnect may take before the screen admits its numbers are old. Short blips (a
 * phone switching cells) stay "reconnecting"; past this a farmer should not trust the depth shown.
 */
export const STALE_AFTER_MS = 20_000

export type ConnectionState =
  | { phase: 'connecting' }
  | { phase: 'live'; since: number }
  /** `since`: when the data stopped being live, i.e. the moment of the disconnect. */
  | { phase: 'down'; since: number }

export interface ConnectionView {
  kind: 'connecting' | 'live' | 'reconnecting' | 'stale'
  key: MessageKey
  params: Record<string, string>
}

/** What the indicator says: text, never colour alone. */
export function connectionView(
  state: ConnectionState,
  now: number,
  staleAfterMs = STALE_AFTER_MS,
): ConnectionView {
  switch (state.phase) {
    case 'connecting':
      return { kind: 'connecting', key: 'conn.connecting', params: {} }
    case 'live':
      return { kind: 'live', key: 'conn.live', params: {} }
    case 'down':
      if (now - state.since < staleAfterMs)
        return { kind: 'reconnecting', key: 'conn.reconnecting', params: {} }
      return { kind: 'stale', key: 'conn.stale', params: { time: formatClock(state.since) } }
  }
}

/** A disconnect keeps the earliest moment data stopped; repeated failed attempts do not move it. */
export function onDisconnected(state: ConnectionState, now: number): ConnectionState {
  return state.phase === 'down' ? state : { phase: 'down', since: now }
}

/**
 * Before the first connect there is nothing stale to warn about yet, but a page that never
 * connects must not claim to be "connecting" forever: the clock starts at page load.
 */
export function onConnectError(state: ConnectionState, now: number): ConnectionState {
  return state.phase === 'connecting' ? { phase: 'down', since: now } : onDisconnected(state, now)
}
