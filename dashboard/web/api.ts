import type { Alert, DeviceDetail, DeviceSummary, LoginResult, Me, Readings } from './types.js'

/** A non-2xx answer, carrying the status so callers can tell "log in again" (401) from "try later". */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface ApiOptions {
  /** Injected so tests can fake the network; the browser passes `fetch.bind(window)`. */
  fetch: typeof fetch
  base?: string
}

export interface SystemInfo {
  demo?: boolean
  mode?: string
  [key: string]: unknown
}

export interface Api {
  /** Token from the last login, for socket.io's handshake; the REST calls also ride the httpOnly cookie. */
  token(): string | undefined
  login(username: string, password: string): Promise<LoginResult>
  logout(): Promise<void>
  me(): Promise<Me>
  system(): Promise<SystemInfo>
  devices(): Promise<DeviceSummary[]>
  device(id: string): Promise<DeviceDetail>
  readings(id: string, metric: string, from: number, to: number, step?: number): Promise<Readings>
  alerts(state: 'open' | 'all', limit: number): Promise<Alert[]>
}

export function createApi({ fetch: doFetch, base = '' }: ApiOptions): Api {
  // Kept in memory only: the httpOnly cookie is what survives a reload, so script never persists a secret.
  let token: string | undefined

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    const res = await doFetch(`${base}/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) {
      let message = res.statusText || `HTTP ${res.status}`
      try {
        const data = (await res.json()) as { error?: unknown }
        if (typeof data.error === 'string') message = data.error
      } catch {
        // Not JSON (a proxy's error page): the status text is all there is.
      }
      if (res.status === 401) token = undefined
      throw new ApiError(res.status, message)
    }
    if (res.status === 204) return undefined as T
    return (await res.json()) as T
  }

  return {
    token: () => token,
    async login(username, password) {
      const result = await call<LoginResult>('POST', '/login', { username, password })
      token = result.token
      return result
    },
    async logout() {
      try {
        await call<void>('POST', '/logout')
      } finally {
        token = undefined
      }
    },
    me: () => call<Me>('GET', '/me'),
    system: () => call<SystemInfo>('GET', '/system'),
    devices: async () => (await call<{ devices: DeviceSummary[] }>('GET', '/devices')).devices,
    device: (id) => call<DeviceDetail>('GET', `/devices/${encodeURIComponent(id)}`),
    readings(id, metric, from, to, step) {
      const q = new URLSearchParams({ metric, from: String(Math.floor(from)), to: String(Math.ceil(to)) })
      if (step !== undefined) q.set('step', String(step))
      return call<Readings>('GET', `/devices/${encodeURIComponent(id)}/readings?${q}`)
    },
    alerts: async (state, limit) =>
      (await call<{ alerts: Alert[] }>('GET', `/alerts?state=${state}&limit=${limit}`)).alerts,
  }
}

/** Demo mode is on if either endpoint says so; tolerant of `{ demo: true }` or `{ mode: 'demo' }`. */
export function isDemo(info: { demo?: unknown; mode?: unknown } | undefined): boolean {
  return info?.demo === true || info?.mode === 'demo'
}
