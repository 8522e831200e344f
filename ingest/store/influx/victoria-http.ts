import { type ExportLine, type PromSeries, parseExportLine, seconds } from './victoria-query.js'

export interface VictoriaHttp {
  query(path: '/api/v1/query' | '/api/v1/query_range', params: Record<string, string>): Promise<PromSeries[]>
  /** /api/v1/export between `from` and `to` (both inclusive, ms), one series line at a time. */
  exportLines(match: string[], from: number, to: number, onLine: (line: ExportLine) => void): Promise<void>
}

/**
 * The VictoriaMetrics HTTP calls the reads need. Every request sends `nocache=1`: the rollup
 * cache would otherwise keep serving buckets computed before a gateway backfilled into them.
 */
export function createVictoriaHttp(options: {
  url: string
  token?: string
  timeoutMs: number
}): VictoriaHttp {
  const base = options.url.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  // the same header the influx client sends on writes, for a proxy in front of both
  if (options.token) headers.authorization = `Token ${options.token}`

  async function post(path: string, params: URLSearchParams): Promise<Response> {
    params.set('nocache', '1')
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers,
      body: params,
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    if (!response.ok) {
      const text = (await response.text()).slice(0, 500)
      throw new Error(`VictoriaMetrics ${path} answered ${response.status}: ${text}`)
    }
    return response
  }

  return {
    async query(path, params) {
      const response = await post(path, new URLSearchParams(params))
      const body = (await response.json()) as {
        status: string
        error?: string
        data?: { result?: PromSeries[] }
      }
      if (body.status !== 'success') throw new Error(`VictoriaMetrics ${path}: ${body.error ?? body.status}`)
      return body.data?.result ?? []
    },

    // Streamed, so a large key export at start-up is never one giant string in memory.
    async exportLines(match, from, to, onLine) {
      const params = new URLSearchParams({ start: seconds(from), end: seconds(to) })
      for (const m of match) params.append('match[]', m)
      const response = await post('/api/v1/export', params)
      if (!response.body) return
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      let rest = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        rest += decoder.decode(value, { stream: true })
        let start = 0
        let newline = rest.indexOf('\n', start)
        while (newline >= 0) {
          const line = parseExportLine(rest.slice(start, newline))
          if (line) onLine(line)
          start = newline + 1
          newline = rest.indexOf('\n', start)
        }
        rest = rest.slice(start)
      }
      const last = parseExportLine(rest + decoder.decode())
      if (last) onLine(last)
    },
  }
}
