import { describe, expect, it } from 'vitest'
import {
  type ConnectionState,
  connectionView,
  onConnectError,
  onDisconnected,
  STALE_AFTER_MS,
} from './connection-state.js'

const T = Date.UTC(2025, 6, 1, 3, 4, 0) // 12:04 in Tokyo

describe('connection indicator', () => {
  it('says live while connected', () => {
    expect(connectionView({ phase: 'live', since: T }, T + 999_999).kind).toBe('live')
  })

  it('says reconnecting right after a drop, then stale since the drop time (Tokyo)', () => {
    const down = onDisconnected({ phase: 'live', since: 0 }, T)
    expect(connectionView(down, T + 1000).kind).toBe('reconnecting')
    const stale = connectionView(down, T + STALE_AFTER_MS)
    expect(stale).toEqual({ kind: 'stale', key: 'conn.stale', params: { time: '12:04' } })
  })

  it('keeps the first drop time across failed reconnect attempts', () => {
    let state: ConnectionState = onDisconnected({ phase: 'live', since: 0 }, T)
    state = onConnectError(state, T + 5000)
    state = onDisconnected(state, T + 9000)
    expect(state).toEqual({ phase: 'down', since: T })
  })

  it('starts the stale clock at the first failed connect when never connected', () => {
    expect(connectionView({ phase: 'connecting' }, T).kind).toBe('connecting')
    expect(onConnectError({ phase: 'connecting' }, T)).toEqual({ phase: 'down', since: T })
  })
})
