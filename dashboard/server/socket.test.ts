import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { io as connect, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { Auth, SessionUser } from './auth.js'
import { attachLiveHub, type LiveHub } from './socket.js'

const paddy = { id: 'p-01', kind: 'paddy', site: 'north' }
const reading = (ts: number) => ({ ts, seq: ts, m: { water_depth_cm: 5 } })

describe('live hub', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  async function start(users: Record<string, SessionUser>) {
    const http = createServer()
    const auth = { userForToken: async (token: string) => users[token] } as unknown as Auth
    // a long interval: a frame held back by the coalescer would not arrive within the test
    const hub: LiveHub = attachLiveHub(http, auth, {
      log: pino({ level: 'silent' }),
      frameIntervalMs: 60_000,
      deviceOf: (id) => (id === paddy.id ? paddy : undefined),
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => hub.close())
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    const client = async (token: string) => {
      const socket: Socket = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false })
      cleanup.push(() => {
        socket.close()
      })
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve())
        socket.once('connect_error', reject)
      })
      return socket
    }
    return { hub, client }
  }

  it('sends the frames of one turn as one readings array per set of rooms', async () => {
    const admin: SessionUser = { username: 'a', role: 'admin', kinds: null, sites: null }
    const { hub, client } = await start({ admin })
    const socket = await client('admin')
    const batches: Array<Array<{ deviceId: string; ts: number }>> = []
    socket.on('readings', (frames: Array<{ deviceId: string; ts: number }>) => batches.push(frames))
    const devices = Array.from({ length: 50 }, (_, i) => ({ id: `p-${i}`, kind: 'paddy', site: null }))
    for (const device of devices) hub.onReadings(device, [reading(1000)])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(batches).toHaveLength(1)
    expect(batches[0]?.map((f) => f.deviceId)).toEqual(devices.map((d) => d.id))
  })

  it('builds no frame for a device nobody watches, so a watcher who comes later gets its next one at once', async () => {
    const farmer: SessionUser = { username: 'f', role: 'viewer', kinds: ['paddy'], sites: ['north'] }
    const crew: SessionUser = { username: 'c', role: 'viewer', kinds: ['rail'], sites: null }
    const { hub, client } = await start({ farmer, crew })
    const other = await client('crew') // in the rail rooms only: the paddy is still unwatched
    const seenByCrew: unknown[] = []
    other.on('readings', (frames: unknown[]) => seenByCrew.push(...frames))
    hub.onReadings(paddy, [reading(1000)])
    const socket = await client('farmer')
    const frame = new Promise<{ ts: number }>((resolve) =>
      socket.once('readings', (frames: Array<{ ts: number }>) => resolve(frames[0] as { ts: number })),
    )
    // had the first reading made a frame, this one would wait out the 60 s interval
    hub.onReadings(paddy, [reading(2000)])
    expect(await frame).toMatchObject({ deviceId: 'p-01', ts: 2000 })
    expect(seenByCrew).toEqual([])
  })
})
