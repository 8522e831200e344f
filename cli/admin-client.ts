import { request } from 'node:http'

export interface AdminResponse {
  status: number
  body: unknown
}

/** Calls the running server's API over its local admin socket (DATA_DIR/mimamori.sock). */
export function callAdminSocket(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        socketPath,
        method,
        path: `/api/v1${path}`,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('the server did not answer on its admin socket')))
    req.on('error', reject)
    req.end(payload)
  })
}
