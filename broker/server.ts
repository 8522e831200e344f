import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import type { Logger } from 'pino'
import { createWebSocketStream, WebSocketServer } from 'ws'
import { createBrokerHooks } from './aedes-hooks.js'
import type { BrokerConfig } from './config.js'
import type { DeviceDirectory, IngestPort } from './ingest-port.js'
import type { BrokerMetrics } from './metrics.js'

export interface BrokerDeps {
  directory: DeviceDirectory
  secretKey: Buffer
  ingest: IngestPort
  metrics: BrokerMetrics
  log: Logger
}

export interface RunningBroker {
  aedes: Aedes
  /** The bound ports (useful when the config asked for port 0). */
  port: number
  wsPort: number
  /** Disconnects a device at once, e.g. after its credentials were revoked or removed. */
  disconnectDevice(deviceId: string): void
  /** Stops accepting connections, closes clients and the broker. */
  close(): Promise<void>
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.log.child({ component: 'broker' })
  const hooks = createBrokerHooks({ ...deps, log, limits: config.limits })
  const aedes = await Aedes.createBroker({
    ...hooks,
    // SlowITe (CVE-2020-13849): cap the keepalive a client may ask for; slow CONNECTs time out.
    keepaliveLimit: 3600,
    connectTimeout: 10_000,
    drainTimeout: 30_000,
    maxClientsIdLength: 64,
  })
  aedes.on('clientReady', (client) => {
    deps.metrics.connections.inc()
    log.info({ clientId: client.id }, 'mqtt client connected')
  })
  aedes.on('clientDisconnect', (client) => {
    if (hooks.identityOf(client)) deps.metrics.connections.dec()
    log.info({ clientId: client.id }, 'mqtt client disconnected')
  })
  aedes.on('clientError', (client, err) =>
    log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'),
  )
  aedes.on('connectionError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'),
  )

  const tcp = createServer(aedes.handle)
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n')
  })
  const wss = new WebSocketServer({ server: http, maxPayload: config.limits.maxImageBytes + 1024 })
  wss.on('connection', (socket, req) => {
    const stream = createWebSocketStream(socket)
    stream.on('error', () => socket.terminate())
    aedes.handle(stream, req)
  })

  const port = await listen(tcp, config.port, config.host)
  const wsPort = await listen(http, config.wsPort, config.host)
  log.info({ port, wsPort }, 'mqtt broker listening')

  return {
    aedes,
    port,
    wsPort,
    disconnectDevice(deviceId) {
      // aedes keeps clients by client id, which is the device id (auth-policy.ts)
      const client = (aedes as unknown as { clients: Record<string, { close(): void } | undefined> }).clients[
        deviceId
      ]
      if (client) {
        log.info({ deviceId }, 'disconnecting device')
        client.close()
      }
    },
    async close() {
      tcp.close()
      for (const socket of wss.clients) socket.terminate()
      wss.close()
      http.close()
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
    },
  }
}
