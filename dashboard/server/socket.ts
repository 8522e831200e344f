import type { Server as HttpServer } from 'node:http'
import type { Logger } from 'pino'
import { Server } from 'socket.io'
import type { Reading } from '../../firmware-contracts/index.js'
import type { AlertEvent, Notifier } from '../../ingest/alerts/notifier.js'
import type { ReadingsListener } from '../../ingest/pipeline.js'
import { type Auth, type SessionUser, tokenFromHeaders } from './auth.js'
import { createCoalescer, type ReadingFrame } from './coalesce.js'
import { roomsOfDevice, roomsOfUser } from './scope.js'

export interface LiveHub {
  /** Feed for the ingest pipeline: durable readings in, coalesced frames out. */
  onReadings: ReadingsListener
  notifier: Notifier
  close(): Promise<void>
}

export function attachLiveHub(
  http: HttpServer,
  auth: Auth,
  options: {
    log: Logger
    frameIntervalMs: number
    /** Kind and site of a device, for the rooms its frames and alerts go to. */
    deviceOf(deviceId: string): { kind: string; site: string | null } | undefined
  },
): LiveHub {
  const log = options.log.child({ component: 'live' })
  const io = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024 })

  io.use((socket, next) => {
    const fromAuth =
      typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined
    const token = fromAuth ?? tokenFromHeaders(socket.handshake.headers)
    if (!token) return next(new Error('unauthorized'))
    auth.userForToken(token).then(
      (user) => {
        if (!user) return next(new Error('unauthorized'))
        socket.data.user = user satisfies SessionUser
        next()
      },
      () => next(new Error('unauthorized')),
    )
  })
  io.on('connection', (socket) => {
    // the same scope as the REST API (scope.ts): a farmer's phone only hears their own paddies
    void socket.join(roomsOfUser(socket.data.user as SessionUser))
    log.debug({ user: (socket.data.user as SessionUser).username }, 'live client connected')
  })

  const roomsOf = (deviceId: string) => {
    const device = options.deviceOf(deviceId)
    return device ? roomsOfDevice(device) : ['all']
  }
  // Frames leaving in the same turn of the event loop go as one `readings` array per set of rooms.
  // volatile: a socket still busy with the previous message misses this one rather than growing a
  // queue (signalk's approach). One message per frame made that the common case: at 1k readings/s
  // from 1000 devices an admin's socket received ~14 % of the frames.
  // A new map per turn, not `clear()`: clearing a long-lived Map allocates its next table straight
  // in V8's old generation, once per turn, which brought mark-compacts (docs/benchmarks.md).
  let outgoing = new Map<string, { rooms: string[]; frames: ReadingFrame[] }>()
  const sendOutgoing = () => {
    const sending = outgoing
    outgoing = new Map()
    for (const { rooms, frames } of sending.values()) io.to(rooms).volatile.emit('readings', frames)
  }
  const coalescer = createCoalescer(options.frameIntervalMs, (frame) => {
    const rooms = roomsOf(frame.deviceId)
    const key = rooms.join('\u0000')
    const batch = outgoing.get(key)
    if (batch) batch.frames.push(frame)
    else {
      if (outgoing.size === 0) setImmediate(sendOutgoing)
      outgoing.set(key, { rooms, frames: [frame] })
    }
  })

  // a device nobody watches live (most devices, most of the time) costs no frame: a frame is
  // encoded for its rooms even when they are empty, ~14 % of what ingest allocated at 10k/s
  const rooms = io.of('/').adapter.rooms
  const watched = (device: { kind: string; site: string | null }) =>
    roomsOfDevice(device).some((room) => (rooms.get(room)?.size ?? 0) > 0)

  return {
    onReadings(device, readings: Reading[]) {
      if (!watched(device)) return
      for (const reading of readings)
        coalescer.push({ deviceId: device.id, ts: reading.ts, seq: reading.seq, m: reading.m })
    },
    notifier: {
      name: 'socket.io',
      notify(event: AlertEvent) {
        io.to(roomsOfDevice({ kind: event.alert.kind, site: event.alert.site })).emit('alert', event)
      },
    },
    async close() {
      coalescer.stop()
      await new Promise<void>((resolve) => io.close(() => resolve()))
    },
  }
}
