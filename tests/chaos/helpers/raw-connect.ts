/** One raw MQTT CONNECT from a chosen source address: the CONNACK code (or 'closed') and the time it took. */
import { connect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'

export interface ConnectAttempt {
  code: number | 'closed' | 'timeout'
  ms: number
}

export function attemptConnect(
  port: number,
  fields: { clientId: string; username?: string; password?: string },
  localAddress = '127.0.0.1',
  timeoutMs = 15_000,
): Promise<ConnectAttempt> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', localAddress })
    const finish = (code: ConnectAttempt['code']) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ code, ms: performance.now() - started })
    }
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    socket.on('error', () => finish('closed'))
    socket.on('close', () => finish('closed'))
    socket.on('connect', () =>
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          keepalive: 30,
          clientId: fields.clientId,
          ...(fields.username !== undefined ? { username: fields.username } : {}),
          ...(fields.password !== undefined ? { password: Buffer.from(fields.password) } : {}),
        }),
      ),
    )
    socket.once('data', (chunk: Buffer) => finish(chunk[0] === 0x20 ? (chunk[3] ?? 255) : 'closed'))
  })
}

/** Opens a TCP socket and resolves once connected (or rejects); nothing is sent. */
export function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}
