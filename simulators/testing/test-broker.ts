/**
 * Test-only: a real in-process aedes broker on a free port, recording what devices send. The one
 * place under simulators/ that imports aedes; the simulators themselves only speak MQTT to it.
 */
import net, { type AddressInfo, type Socket } from 'node:net'
import { Aedes, type AuthenticateError } from 'aedes'

export interface RecordedConnect {
  clientId: string
  username: string | undefined
  password: string | undefined
  clean: boolean
  will: { topic: string; payload: string; qos: number; retain: boolean } | undefined
}

export interface RecordedPublish {
  clientId: string | undefined
  topic: string
  payload: string
  /** The raw payload (images are binary). */
  bytes: Buffer
  qos: number
  retain: boolean
}

export interface TestBroker {
  url: string
  port: number
  connects: RecordedConnect[]
  /** Client publishes (not the broker's own `$SYS` traffic). */
  publishes: RecordedPublish[]
  /** Closes the broker and drops every connection at once, like a crash. */
  close(): Promise<void>
}

/** aedes' AuthErrorCode is a const enum, which isolatedModules cannot import. */
const BAD_USERNAME_OR_PASSWORD = 4

/** Starts aedes on `port` (0 = any free port) accepting exactly the given username → password pairs. */
export async function startTestBroker(opts: {
  credentials: Record<string, string>
  port?: number
}): Promise<TestBroker> {
  const connects: RecordedConnect[] = []
  const publishes: RecordedPublish[] = []
  const broker = await Aedes.createBroker({
    preConnect(_client, packet, done) {
      connects.push({
        clientId: packet.clientId,
        username: packet.username,
        password: packet.password?.toString('utf8'),
        clean: packet.clean ?? true,
        will: packet.will && {
          topic: packet.will.topic,
          payload: Buffer.from(packet.will.payload).toString('utf8'),
          qos: packet.will.qos ?? 0,
          retain: packet.will.retain ?? false,
        },
      })
      done(null, true)
    },
    authenticate(_client, username, password, done) {
      const expected = username === undefined ? undefined : opts.credentials[username]
      if (expected !== undefined && password?.toString('utf8') === expected) return done(null, true)
      const err = new Error('bad username or password') as AuthenticateError
      err.returnCode = BAD_USERNAME_OR_PASSWORD
      done(err, null)
    },
  })
  broker.on('publish', (packet, client) => {
    if (!client) return
    publishes.push({
      clientId: client.id,
      topic: packet.topic,
      payload: Buffer.from(packet.payload).toString('utf8'),
      bytes: Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
    })
  })
  const sockets = new Set<Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    broker.handle(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    connects,
    publishes,
    close() {
      closing ??= (async () => {
        for (const socket of sockets) socket.destroy()
        await Promise.all([
          new Promise<void>((resolve) => server.close(() => resolve())),
          new Promise<void>((resolve) => broker.close(() => resolve())),
        ])
      })()
      return closing
    },
  }
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
