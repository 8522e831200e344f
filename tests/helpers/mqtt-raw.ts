/**
 * Raw MQTT over a plain socket, for what a well-behaved client library will not send: malformed
 * or oversize packets, slow trickles, exact CONNACK codes, packets mqtt.js hides.
 */
import { connect, type Socket } from 'node:net'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface RawClient {
  socket: Socket
  send(packet: Packet | Buffer): void
  /** The next packet from the broker (rejects when the socket closes first or after `timeoutMs`). */
  next(timeoutMs?: number): Promise<Packet>
  /** Resolves when the broker closed the socket. */
  closed: Promise<void>
  isClosed(): boolean
  end(): void
}

export async function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = connect(port, host)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.on('error', () => {})
  const parser = mqttPacket.parser({ protocolVersion: 4 })
  const queue: Packet[] = []
  const waiters: Array<(p: Packet | undefined) => void> = []
  let closedFlag = false
  parser.on('packet', (packet: Packet) => {
    const waiter = waiters.shift()
    if (waiter) waiter(packet)
    else queue.push(packet)
  })
  socket.on('data', (chunk) => parser.parse(chunk))
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedFlag = true
      for (const waiter of waiters.splice(0)) waiter(undefined)
      resolve()
    }),
  )
  return {
    socket,
    send(packet) {
      socket.write(Buffer.isBuffer(packet) ? packet : mqttPacket.generate(packet))
    },
    next(timeoutMs = 5000) {
      const queued = queue.shift()
      if (queued) return Promise.resolve(queued)
      if (closedFlag) return Promise.reject(new Error('socket closed'))
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no packet in time')), timeoutMs)
        waiters.push((p) => {
          clearTimeout(timer)
          p ? resolve(p) : reject(new Error('socket closed'))
        })
      })
    },
    closed,
    isClosed: () => closedFlag,
    end: () => socket.destroy(),
  }
}

/** A CONNECT packet with sensible defaults. */
export function connectPacket(fields: Partial<mqttPacket.IConnectPacket> = {}): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: 'raw-client',
    keepalive: 60,
    ...fields,
  } as Packet
}
