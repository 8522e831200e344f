import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** Raw body as received (signatures are checked over these exact bytes). */
  body: string
}

export interface HttpReceiver {
  url: string
  requests: ReceivedRequest[]
  /** Resolves once `n` requests arrived (integration tests only; bounded by `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>
  close(): Promise<void>
}

/**
 * A local HTTP server on a free port that records every request and answers with `respond`
 * (default 200 `{}`): stands in for a webhook receiver or for the LINE Messaging API.
 */
export async function startHttpReceiver(
  respond: (req: ReceivedRequest, index: number) => { status: number; body?: unknown } = () => ({
    status: 200,
  }),
): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = []
  let waiters: Array<() => void> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      const answer = respond(received, requests.length)
      requests.push(received)
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.body ?? {}))
      const current = waiters
      waiters = []
      for (const wake of current) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (requests.length < n) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`expected ${n} requests, got ${requests.length}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return requests.slice(0, n)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
