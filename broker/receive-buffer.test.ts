import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { receiveBuffers } from './receive-buffer.js'

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
})
