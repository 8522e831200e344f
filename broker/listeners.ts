/**
 * The broker's listeners: MQTT over TCP and WebSocket, and over TLS and secure WebSocket when a
 * certificate is configured. Every socket passes admission (connection cap, per-IP rate) on
 * accept, before a TLS handshake or any MQTT byte, and reaches aedes through a FrameGuard.
 */

import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import type { Logger } from 'pino'
import { createWebSocketStream, WebSocketServer } from 'ws'
import type { BrokerConfig } from './config.js'
import type { Admission } from './connection-limits.js'
import type { ConnectionInfo } from './frame-guard.js'
import type { BrokerMetrics } from './metrics.js'
import { receiveBufferSetter } from './receive-buffer.js'

export type Accept = (conn: Duplex, info: ConnectionInfo, req?: IncomingMessage) => void

export interface Listeners {
  port: number
  wsPort: number
  tlsPort?: number
  wssPort?: number
  /** Stops accepting; open connections are closed by the caller. */
  close(): void
}

export class TlsFilesError extends Error {
  readonly code = 'TLS_FILES'
}

/**
 * Connections the kernel may hold completed before they are accepted. Node's default, 511, is
 * too few when a whole fleet reconnects after a restart: the rest of the handshakes are dropped
 * and each device retries only after TCP's backoff (1 s, 3 s, 7 s…). The kernel caps it at
 * net.core.somaxconn (4096 on current Linux).
 */
export const LISTEN_BACKLOG = 4096

/** Listens, then at once (before the loop accepts anything) sets what accepted sockets inherit. */
function listen(
  server: Server,
  port: number,
  host: string,
  onListening: (server: Server) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject)
      onListening(server)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function readTlsFiles(tls: NonNullable<BrokerConfig['tls']>) {
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw new TlsFilesError(`cannot read ${key} ${path}: ${(err as Error).message}`)
    }
  }
  return {
    cert: read(tls.certFile, 'MQTT_TLS_CERT'),
    key: read(tls.keyFile, 'MQTT_TLS_KEY'),
    ...(tls.caFile ? { ca: read(tls.caFile, 'MQTT_TLS_CA') } : {}),
  }
}

/** The CN of a client certificate, only when the TLS layer verified it against our CA. */
function verifiedCommonName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined
  const cn = socket.getPeerCertificate()?.subject?.CN
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined
}

export async function startListeners(
  config: BrokerConfig,
  deps: { accept: Accept; admission: Admission; metrics: BrokerMetrics; log: Logger; maxWsPayload: number },
): Promise<Listeners> {
  const { accept, admission, metrics, log } = deps
  const servers: Server[] = []
  const wsServers: WebSocketServer[] = []

  /** Admission on the raw TCP socket; false = already closed. */
  const admit = (socket: Socket, listener: ConnectionInfo['listener']) => {
    const ip = socket.remoteAddress ?? 'unknown'
    const refusal = admission.admit(ip)
    if (refusal) {
      metrics.connectionsRefused.inc({ reason: refusal })
      log.warn({ ip, listener, reason: refusal }, 'mqtt socket refused')
      socket.destroy()
      return false
    }
    metrics.sockets.inc({ listener })
    socket.once('close', () => {
      admission.release()
      metrics.sockets.dec({ listener })
    })
    return true
  }

  const tcp = createServer({ noDelay: true }, (socket) => {
    if (admit(socket, 'tcp')) accept(socket, { ip: socket.remoteAddress ?? 'unknown', listener: 'tcp' })
  })
  servers.push(tcp)

  const websocket = (listener: 'ws' | 'wss', server: Server) => {
    const wss = new WebSocketServer({ server: server as never, maxPayload: deps.maxWsPayload })
    wsServers.push(wss)
    wss.on('connection', (socket, req) => {
      const stream = createWebSocketStream(socket)
      stream.on('error', () => socket.terminate())
      const raw = req.socket as Socket & Partial<TLSSocket>
      const cn = listener === 'wss' ? verifiedCommonName(raw as TLSSocket) : undefined
      accept(
        stream,
        { ip: raw.remoteAddress ?? 'unknown', listener, ...(cn ? { certCommonName: cn } : {}) },
        req,
      )
    })
  }
  const upgradeOnly = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n')
  }
  const http = createHttpServer(upgradeOnly)
  http.on('connection', (socket: Socket) => admit(socket, 'ws'))
  websocket('ws', http)
  servers.push(http)

  const onListening = await receiveBufferSetter(config.receiveBuffer, log)
  const port = await listen(tcp, config.port, config.host, onListening)
  const wsPort = await listen(http, config.wsPort, config.host, onListening)
  let tlsPort: number | undefined
  let wssPort: number | undefined
  if (config.tls) {
    const files = readTlsFiles(config.tls)
    const options = {
      ...files,
      // with a CA, a client may present a certificate; with requireClientCert it must
      requestCert: Boolean(files.ca),
      rejectUnauthorized: Boolean(files.ca) && config.tls.requireClientCert,
      handshakeTimeout: 10_000,
      minVersion: 'TLSv1.2' as const,
    }
    const expiry = new Date(new X509Certificate(files.cert).validTo).getTime()
    metrics.tlsCertExpiry?.set(expiry / 1000)
    if (expiry - Date.now() < 30 * 86_400_000)
      log.warn({ validTo: new Date(expiry).toISOString() }, 'the MQTT TLS certificate expires soon')
    const tls = createTlsServer(options, (socket) =>
      accept(socket, {
        ip: socket.remoteAddress ?? 'unknown',
        listener: 'tls',
        ...(verifiedCommonName(socket) ? { certCommonName: verifiedCommonName(socket) as string } : {}),
      }),
    )
    tls.on('connection', (socket: Socket) => admit(socket, 'tls'))
    tls.on('tlsClientError', (err, socket) =>
      log.debug({ err: err.message, ip: socket.remoteAddress }, 'tls handshake failed'),
    )
    servers.push(tls)
    const https = createHttpsServer(options, upgradeOnly)
    https.on('connection', (socket: Socket) => admit(socket, 'wss'))
    websocket('wss', https)
    servers.push(https)
    tlsPort = await listen(tls, config.tls.port, config.host, onListening)
    wssPort = await listen(https, config.tls.wssPort, config.host, onListening)
  }
  log.info({ port, wsPort, tlsPort, wssPort }, 'mqtt broker listening')

  return {
    port,
    wsPort,
    ...(tlsPort === undefined ? {} : { tlsPort }),
    ...(wssPort === undefined ? {} : { wssPort }),
    close() {
      for (const wss of wsServers) {
        for (const socket of wss.clients) socket.terminate()
        wss.close()
      }
      for (const server of servers) server.close()
    },
  }
}
