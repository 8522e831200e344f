import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { readSysctl } from './kernel-hints.js'
import { receiveBufferSetter, receiveBuffers } from './receive-buffer.js'

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

async function listening() {
  const server = createServer()
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

/** The server side of one connection to `server`. */
async function acceptOne(server: Server): Promise<Socket> {
  const accepted = once(server, 'connection')
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  await once(client, 'connect')
  const [socket] = (await accepted) as [Socket]
  client.destroy()
  return socket
}

/** A kernel setting as a number (net.ipv4.tcp_rmem: its `field`-th value). */
const sysctlNumber = (name: string, field = 0) => Number(readSysctl(name)?.split(/\s+/)[field])

describe.runIf(process.platform === 'linux')('socket receive buffer', () => {
  it('is set on a listener and inherited by the connections it accepts', async () => {
    const buffers = await receiveBuffers()
    const server = await listening()
    expect(buffers.set(server, 50_000)).toBe(100_000) // Linux books twice the request
    const socket = await acceptOne(server)
    expect(buffers.get(socket)).toBe(100_000)
    socket.destroy()
  })

  it('leaves the kernel its own size on a listener nobody set', async () => {
    const buffers = await receiveBuffers()
    const socket = await acceptOne(await listening())
    // a new TCP socket starts at net.ipv4.tcp_rmem's middle value
    expect(buffers.get(socket)).toBe(sysctlNumber('net.ipv4.tcp_rmem', 1))
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
      set(a)
      set(b)
      expect((await receiveBuffers()).get(b)).toBe(100_000)
      expect(lines).toMatchObject([{ level: 30, msg: 'mqtt sockets receive buffer set', booked: 100_000 }])
    })

    it('warns, naming the sysctl, when net.core.rmem_max caps it', async () => {
      const rmemMax = sysctlNumber('net.core.rmem_max')
      const { lines, log } = logged()
      const set = await receiveBufferSetter(rmemMax + 4096, log)
      set(await listening())
      expect(lines).toMatchObject([{ level: 40, booked: 2 * rmemMax }])
      expect(lines[0]?.msg).toMatch(/net\.core\.rmem_max caps/)
    })

    it('keeps the kernel buffer and says why when it cannot set it, and does nothing for 0', async () => {
      const { lines, log } = logged()
      ;(await receiveBufferSetter(50_000, log))(createServer()) // not listening: no descriptor
      expect(lines).toMatchObject([{ level: 40, msg: expect.stringMatching(/not applied/) }])
      const { lines: none, log: quiet } = logged()
      const server = await listening()
      const before = (await receiveBuffers()).get(server)
      ;(await receiveBufferSetter(0, quiet))(server)
      expect((await receiveBuffers()).get(server)).toBe(before)
      expect(none).toEqual([])
    })
  })
})
