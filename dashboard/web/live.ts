import { type ConnectionState, onConnectError, onDisconnected } from './connection-state.js'
import { isAlertEvent, isReadingFrame } from './frames.js'
import type { AlertEvent, ReadingFrame } from './types.js'

/** The part of a socket.io client socket this module uses, so tests can pass a fake. */
export interface LiveSocket {
  readonly active: boolean
  on(event: 'connect', fn: () => void): unknown
  on(event: 'disconnect', fn: (reason: string) => void): unknown
  on(event: 'connect_error', fn: (error: Error) => void): unknown
  on(event: 'readings' | 'alert', fn: (payload: unknown) => void): unknown
  connect(): unknown
  disconnect(): unknown
}

export interface ConnectOptions {
  path: string
  /** Called on every (re)connect so a fresh login's token is used. */
  auth: (cb: (data: Record<string, string>) => void) => void
}

export type Connect = (options: ConnectOptions) => LiveSocket

export interface LiveHandlers {
  onState(state: ConnectionState): void
  onReading(frame: ReadingFrame): void
  onAlert(event: AlertEvent): void
  /** Every (re)connect: what was sent while we were away is gone, so refetch it over REST. */
  onResync(): void
  onUnauthorized(): void
}

export interface LiveOptions {
  connect: Connect
  token: () => string | undefined
  now: () => number
  /** Retry delay when the server refused us for a reason other than auth (the client gives up then). */
  retryMs?: number
  setTimer?: (fn: () => void, ms: number) => unknown
}

export interface Live {
  stop(): void
}

/** The socket.io side: connection state for the indicator, validated frames, resync on reconnect. */
export function startLive(options: LiveOptions, handlers: LiveHandlers): Live {
  const { now, retryMs = 5000, setTimer = setTimeout } = options
  let state: ConnectionState = { phase: 'connecting' }
  let stopped = false
  const setState = (next: ConnectionState): void => {
    if (next === state) return
    state = next
    handlers.onState(state)
  }

  const socket = options.connect({
    path: '/socket.io',
    auth: (cb) => {
      const token = options.token()
      cb(token === undefined ? {} : { token })
    },
  })

  socket.on('connect', () => {
    setState({ phase: 'live', since: now() })
    handlers.onResync()
  })
  socket.on('disconnect', (reason) => {
    if (stopped) return
    setState(onDisconnected(state, now()))
    // The server closed us on purpose (e.g. logout elsewhere); the client does not retry by itself.
    if (reason === 'io server disconnect') socket.connect()
  })
  socket.on('connect_error', (error) => {
    if (stopped) return
    if (error.message === 'unauthorized') {
      stopped = true
      socket.disconnect()
      handlers.onUnauthorized()
      return
    }
    setState(onConnectError(state, now()))
    // A refusal from server middleware leaves the socket inactive; transport errors retry on their own.
    if (!socket.active) {
      setTimer(() => {
        if (!stopped) socket.connect()
      }, retryMs)
    }
  })
  // frames come in arrays: those the server sent in the same turn of its event loop
  socket.on('readings', (payload) => {
    if (!Array.isArray(payload)) return
    for (const frame of payload) if (isReadingFrame(frame)) handlers.onReading(frame)
  })
  socket.on('alert', (payload) => {
    if (isAlertEvent(payload)) handlers.onAlert(payload)
  })
  handlers.onState(state)

  return {
    stop() {
      stopped = true
      socket.disconnect()
    },
  }
}
