import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { receiveBufferSetter, receiveBuffers } from './receive-buffer.js'

const servers: Array<ReturnType<typeof createServer>> = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

async function listening() {
  const accepted: Socket[] = []
  const server = createServer((socket) => accepted.push(socket))
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, accepted, port: (server.address() as AddressInfo).port }
}

async function acceptOne(port: number, accepted: Socket[]): Promise<Socket> {
  const client = connect(port, '127.0.0.1')
  await once(client, 'connect')
  while (accepted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  client.destroy()
  return accepted[0] as Socket
}

describe.runIf(process.platform === 'linux')('socket receive buffer', () => {
  it('is set on a listener and inherited by the connections it accepts', async () => {
    const buffers = await receiveBuffers()
    const { server, accepted, port } = await listening()
    expect(buffers.set(server, 50_000)).toBe(100_000) // Linux books twice the request
    const socket = await acceptOne(port, accepted)
    expect(buffers.get(socket)).toBe(100_000)
    socket.destroy()
  })

  it('leaves the kernel its own size on a listener nobody set', async () => {
    const buffers = await receiveBuffers()
    const { accepted, port } = await listening()
    const socket = await acceptOne(port, accepted)
    // a new TCP socket starts at net.ipv4.tcp_rmem's middle value
    const start = Number(readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8').trim().split(/\s+/)[1])
    expect(buffers.get(socket)).toBe(start)
    socket.destroy()
  })

  it('refuses a server that is not listening', async () => {
    const buffers = await receiveBuffers()
    expect(() => buffers.set(createServer(), 65_536)).toThrow(/no file descriptor/)
  })

  describe('the setter the listeners call', () => {
    const logged = () => {
      const lines: Array<{ level: number; msg: string; booked?: number }> = []
      const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
      return { lines, log }
    }

    it('sets the buffer and logs what the kernel booked, once', async () => {
      const { lines, log } = logged()
      const set = await receiveBufferSetter(50_000, log)
      const a = await listening()
      const b = await listening()
      set(a.server)
      set(b.server)
      expect((await receiveBuffers()).get(b.server)).toBe(100_000)
      expect(lines).toMatchObject([{ level: 30, msg: 'mqtt sockets receive buffer set', booked: 100_000 }])
    })

    it('warns, naming the sysctl, when net.core.rmem_max caps it', async () => {
      const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'))
      const { lines, log } = logged()
      const set = await receiveBufferSetter(rmemMax + 4096, log)
      set((await listening()).server)
      expect(lines).toMatchObject([{ level: 40, booked: 2 * rmemMax }])
      expect(lines[0]?.msg).toMatch(/net\.core\.rmem_max caps/)
    })

    it('keeps the kernel buffer and says why when it cannot set it, and does nothing for 0', async () => {
      const { lines, log } = logged()
      ;(await receiveBufferSetter(50_000, log))(createServer()) // not listening: no descriptor
      expect(lines).toMatchObject([{ level: 40, msg: expect.stringMatching(/not applied/) }])
      const { lines: none, log: quiet } = logged()
      const server = (await listening()).server
      const before = (await receiveBuffers()).get(server)
      ;(await receiveBufferSetter(0, quiet))(server)
      expect((await receiveBuffers()).get(server)).toBe(before)
      expect(none).toEqual([])
    })
  })
})
