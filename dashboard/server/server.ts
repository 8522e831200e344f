import { chmodSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { createApp } from './app.js'
import { LOCAL_ADMIN } from './auth.js'
import type { DashboardConfig } from './config.js'
import type { DashboardDeps } from './deps.js'
import { attachLiveHub, type LiveHub } from './socket.js'

export interface RunningDashboard {
  port: number
  live: LiveHub
  close(): Promise<void>
}

const listening = (server: Server, listen: (cb: () => void) => void) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    listen(() => {
      server.off('error', reject)
      resolve()
    })
  })

/**
 * The dashboard on HTTP_PORT, plus the same API on a local unix socket (`adminSocketPath`) that
 * the CLI uses while the server holds the DuckDB file; the socket is trusted as admin, guarded by
 * its file mode 0600.
 */
export async function startDashboard(
  config: DashboardConfig,
  deps: DashboardDeps,
  options: { log: Logger; adminSocketPath?: string },
): Promise<RunningDashboard> {
  const log = options.log.child({ component: 'dashboard' })
  const app = createApp(deps, { log, secureCookie: config.secureCookie })
  const http = createServer(app)
  // slow-loris: bound how long a client may take to send headers and a request
  http.headersTimeout = 15_000
  http.requestTimeout = 30_000
  const live = attachLiveHub(http, deps.auth, {
    log,
    frameIntervalMs: config.frameIntervalMs,
    deviceOf: (id) => deps.directory.get(id),
  })
  await listening(http, (cb) => http.listen(config.port, config.host, cb))
  const port = (http.address() as AddressInfo).port

  let adminServer: Server | undefined
  if (options.adminSocketPath) {
    const path = options.adminSocketPath
    adminServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      ;(req as unknown as Record<symbol, boolean>)[LOCAL_ADMIN] = true
      app(req, res)
    })
    rmSync(path, { force: true }) // a stale socket from a killed process
    await listening(adminServer, (cb) => adminServer?.listen(path, cb))
    chmodSync(path, 0o600)
  }
  log.info({ port }, `dashboard on http://localhost:${port}`)

  return {
    port,
    live,
    async close() {
      await live.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      if (adminServer) {
        adminServer.closeAllConnections()
        await new Promise<void>((resolve) => adminServer?.close(() => resolve()))
        if (options.adminSocketPath) rmSync(options.adminSocketPath, { force: true })
      }
    },
  }
}
