import { describe, expect, it } from 'vitest'
import type { ConnectionState } from './connection-state.js'
import { type ConnectOptions, type LiveSocket, startLive } from './live.js'

/** A stand-in for socket.io's client socket that the test drives by hand. */
function fakeSocket() {
  const handlers = new Map<string, (arg?: unknown) => void>()
  const socket = {
    active: true,
    connects: 0,
    disconnects: 0,
    options: undefined as ConnectOptions | undefined,
    on(event: string, fn: (arg?: unknown) => void) {
      handlers.set(event, fn)
      return socket
    },
    connect() {
      socket.connects++
    },
    disconnect() {
      socket.disconnects++
    },
    emit(event: string, arg?: unknown) {
      handlers.get(event)?.(arg)
    },
  }
  return socket
}

function setup(token?: string) {
  const socket = fakeSocket()
  let now = 1000
  const timers: Array<() => void> = []
  const seen = {
    states: [] as ConnectionState[],
    resyncs: 0,
    unauthorized: 0,
    readings: [] as Array<{ deviceId: string }>,
    alerts: [] as unknown[],
  }
  const live = startLive(
    {
      connect: (options) => {
        socket.options = options
        return socket as unknown as LiveSocket
      },
      token: () => token,
      now: () => now,
      setTimer: (fn) => timers.push(fn),
    },
    {
      onState: (s) => seen.states.push(s),
      onReading: (f) => seen.readings.push(f),
      onAlert: (a) => seen.alerts.push(a),
      onResync: () => seen.resyncs++,
      onUnauthorized: () => seen.unauthorized++,
    },
  )
  return { socket, seen, live, timers, tick: (ms: number) => (now += ms) }
}

describe('live connection', () => {
  it('sends the login token in the handshake, or nothing so the cookie is used', () => {
    const withToken = setup('tok')
    let auth: unknown
    withToken.socket.options?.auth((data) => {
      auth = data
    })
    expect(auth).toEqual({ token: 'tok' })
    const cookieOnly = setup()
    cookieOnly.socket.options?.auth((data) => {
      auth = data
    })
    expect(auth).toEqual({})
    expect(withToken.socket.options?.path).toBe('/socket.io')
  })

  it('resyncs over REST on every connect, including reconnects', () => {
    const { socket, seen, tick } = setup('t')
    socket.emit('connect')
    tick(1000)
    socket.emit('disconnect', 'transport close')
    tick(3000)
    socket.emit('connect')
    expect(seen.resyncs).toBe(2)
    expect(seen.states.map((s) => s.phase)).toEqual(['connecting', 'live', 'down', 'live'])
    expect(seen.states[2]).toEqual({ phase: 'down', since: 2000 })
  })

  it('reconnects by hand when the server closed the socket on purpose', () => {
    const { socket } = setup('t')
    socket.emit('connect')
    socket.emit('disconnect', 'io server disconnect')
    expect(socket.connects).toBe(1)
  })

  it('gives up and asks for login when the server says unauthorized', () => {
    const { socket, seen } = setup('t')
    socket.emit('connect_error', new Error('unauthorized'))
    expect(seen.unauthorized).toBe(1)
    expect(socket.disconnects).toBe(1)
    socket.emit('disconnect', 'io client disconnect')
    expect(seen.states.map((s) => s.phase)).toEqual(['connecting'])
  })

  it('retries after another middleware refusal, which the client does not retry itself', () => {
    const { socket, timers, seen } = setup('t')
    socket.active = false
    socket.emit('connect_error', new Error('server busy'))
    expect(seen.states.at(-1)?.phase).toBe('down')
    expect(timers).toHaveLength(1)
    timers[0]?.()
    expect(socket.connects).toBe(1)
  })

  it('passes on valid frames and drops malformed ones', () => {
    const { socket, seen } = setup('t')
    socket.emit('readings', [
      { deviceId: 'p-01', ts: 1, seq: 1, m: { water_depth_cm: 4 } },
      { deviceId: 'p-01', ts: 'x' },
      { deviceId: 'p-02', ts: 2, seq: 1, m: { water_depth_cm: 5 } },
    ])
    socket.emit('readings', { deviceId: 'p-01', ts: 3, seq: 2, m: { water_depth_cm: 4 } })
    socket.emit('alert', { event: 'raised', alert: { id: 1, deviceId: 'p-01', severity: 'watch' } })
    socket.emit('alert', { event: 'raised' })
    expect(seen.readings.map((r) => r.deviceId)).toEqual(['p-01', 'p-02'])
    expect(seen.alerts).toHaveLength(1)
  })

  it('stops quietly', () => {
    const { socket, live, seen } = setup('t')
    live.stop()
    socket.emit('disconnect', 'io client disconnect')
    expect(socket.disconnects).toBe(1)
    expect(seen.states).toHaveLength(1)
  })
})
