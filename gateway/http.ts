/**
 * The gateway's own HTTP port: `/healthz` (the process and its outbox work), `/readyz` (devices
 * can connect and readings are acknowledged — a full disk budget makes it 503), `/status` (the
 * same JSON the gateway publishes on `v1/gateways/{id}/status`, plus the uplink state) and
 * `/metrics` (Prometheus). An uplink outage keeps it ready: buffering is its job.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface GatewayProbe {
  accepting(): boolean
  healthy(): boolean
  uplinkUp(): boolean
  status(): Promise<Buffer>
  /** Refreshes gauges that are computed on demand (backlog, oldest unsent reading). */
  refreshMetrics(): Promise<void>
}

export interface RunningHttp {
  port: number
  close(): Promise<void>
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

export async function startGatewayHttp(
  options: { host: string; port: number; registry: Registry },
  probe: GatewayProbe,
): Promise<RunningHttp> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' })
    switch (path) {
      case '/healthz':
        return probe.healthy()
          ? json(res, 200, { status: 'ok' })
          : json(res, 503, { status: 'outbox failed' })
      case '/readyz':
        return probe.accepting()
          ? json(res, 200, { status: 'ready', uplink: probe.uplinkUp() })
          : json(res, 503, { status: 'not accepting readings: disk budget full', uplink: probe.uplinkUp() })
      case '/status': {
        const status = JSON.parse((await probe.status()).toString('utf8')) as object
        return json(res, 200, { ...status, uplink: probe.uplinkUp() })
      }
      case '/metrics':
        await probe.refreshMetrics()
        res.writeHead(200, { 'content-type': options.registry.contentType })
        return void res.end(await options.registry.metrics())
      default:
        return json(res, 404, { error: 'not found' })
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: (err as Error).message }))
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
