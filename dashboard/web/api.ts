import { setTimeZone } from './format.js'
import type { Alert, CameraImage, DeviceDetail, DeviceSummary, LoginResult, Me, Readings } from './types.js'
import type {
  ContactGroupEntry,
  DeadLetterRecord,
  GatewayInfo,
  MaintenanceWindow,
  NewDevice,
  NewUser,
  PatrolReport,
  RuleEntry,
  StoredSettings,
  UserRecord,
} from './types-admin.js'

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
  /** Alert history with the server's filters (site, kind, severity list, time range). */
  alertHistory(filter: AlertFilter): Promise<Alert[]>
  ackAlert(id: string | number, note: string): Promise<Alert>
  images(id: string, from: number, to: number, limit?: number): Promise<CameraImage[]>
  provisionDevice(device: NewDevice): Promise<{ device: DeviceSummary; password: string }>
  deleteDevice(id: string): Promise<void>
  rotateDevice(id: string): Promise<{ password: string }>
  revokeDevice(id: string): Promise<void>
  users(): Promise<UserRecord[]>
  addUser(user: NewUser): Promise<{ user: UserRecord; password?: string }>
  deleteUser(username: string): Promise<void>
  gateways(): Promise<GatewayInfo[]>
  deadLetters(filter: { limit: number; reason?: string; device?: string }): Promise<DeadLetterRecord[]>
  patrolReport(from: number, to: number): Promise<PatrolReport>
  rules(): Promise<RuleEntry[]>
  putRule(id: string, spec: unknown): Promise<unknown>
  alertSettings(): Promise<StoredSettings[]>
  putAlertSettings(scope: 'site' | 'device', target: string, settings: unknown): Promise<unknown>
  contactGroups(): Promise<ContactGroupEntry[]>
  putContactGroup(id: string, group: unknown): Promise<unknown>
  maintenance(filter: { active?: boolean; limit: number }): Promise<MaintenanceWindow[]>
  openMaintenance(body: { deviceId?: string; site?: string; end?: number; reason: string }): Promise<unknown>
  closeMaintenance(id: number): Promise<unknown>
}

export interface AlertFilter {
  state: 'open' | 'all' | 'raised' | 'acknowledged' | 'cleared'
  limit: number
  site?: string
  kind?: string
  severity?: string[]
  from?: number
  to?: number
}

/** Query string without the empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    q.set(key, String(value))
  }
  const text = q.toString()
  return text === '' ? '' : `?${text}`
}

/** Links the browser downloads itself (CSV): the session cookie authenticates them. */
export function patrolCsvHref(from: number, to: number, base = ''): string {
  return `${base}/api/v1/reports/patrol${query({ from: Math.floor(from), to: Math.ceil(to), format: 'csv' })}`
}

export function createApi({ fetch: doFetch, base = '' }: ApiOptions): Api {
  // Kept in memory only: the httpOnly cookie is what survives a reload, so script never persists a secret.
  let token: string | undefined
  let csrfToken: string | undefined

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    // after a reload only the cookie authenticates: the server then wants its CSRF token
    if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken
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
      csrfToken = result.csrfToken
      return result
    },
    async logout() {
      try {
        await call<void>('POST', '/logout')
      } finally {
        token = undefined
      }
    },
    async me() {
      const me = await call<Me>('GET', '/me')
      csrfToken = me.csrfToken ?? csrfToken
      if (me.timeZone) setTimeZone(me.timeZone)
      return me
    },
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
    async alertHistory(f) {
      const q = query({
        state: f.state,
        limit: f.limit,
        site: f.site,
        kind: f.kind,
        severity: f.severity?.join(','),
        from: f.from,
        to: f.to,
      })
      return (await call<{ alerts: Alert[] }>('GET', `/alerts${q}`)).alerts
    },
    async ackAlert(id, note) {
      const body = note.trim() === '' ? {} : { note: note.trim() }
      return (await call<{ alert: Alert }>('POST', `/alerts/${encodeURIComponent(String(id))}/ack`, body))
        .alert
    },
    async images(id, from, to, limit = 500) {
      const q = query({ from: Math.floor(from), to: Math.ceil(to), limit })
      return (await call<{ images: CameraImage[] }>('GET', `/devices/${enc(id)}/images${q}`)).images
    },
    provisionDevice: (device) => call('POST', '/devices', device),
    deleteDevice: (id) => call('DELETE', `/devices/${enc(id)}`),
    rotateDevice: (id) => call('POST', `/devices/${enc(id)}/rotate`, {}),
    revokeDevice: async (id) => {
      await call('POST', `/devices/${enc(id)}/revoke`, {})
    },
    users: async () => (await call<{ users: UserRecord[] }>('GET', '/users')).users,
    addUser: (user) => call('POST', '/users', user),
    deleteUser: (username) => call('DELETE', `/users/${enc(username)}`),
    gateways: async () => (await call<{ gateways: GatewayInfo[] }>('GET', '/gateways')).gateways,
    async deadLetters(f) {
      const q = query({ limit: f.limit, reason: f.reason, device: f.device })
      return (await call<{ deadLetters: DeadLetterRecord[] }>('GET', `/dead-letters${q}`)).deadLetters
    },
    patrolReport: (from, to) =>
      call('GET', `/reports/patrol${query({ from: Math.floor(from), to: Math.ceil(to), format: 'json' })}`),
    rules: async () => (await call<{ rules: RuleEntry[] }>('GET', '/rules')).rules,
    putRule: (id, spec) => call('PUT', `/rules/${enc(id)}`, spec),
    alertSettings: async () =>
      (await call<{ settings: StoredSettings[] }>('GET', '/alert-settings')).settings,
    putAlertSettings: (scope, target, settings) =>
      call('PUT', `/alert-settings/${scope}/${enc(target)}`, settings),
    contactGroups: async () => (await call<{ groups: ContactGroupEntry[] }>('GET', '/contact-groups')).groups,
    putContactGroup: (id, group) => call('PUT', `/contact-groups/${enc(id)}`, group),
    async maintenance(f) {
      const q = query({ active: f.active, limit: f.limit })
      return (await call<{ windows: MaintenanceWindow[] }>('GET', `/maintenance${q}`)).windows
    },
    openMaintenance: (body) => call('POST', '/maintenance', body),
    closeMaintenance: (id) => call('POST', `/maintenance/${id}/close`, {}),
  }
}

const enc = encodeURIComponent

/** Demo mode is on if either endpoint says so; tolerant of `{ demo: true }` or `{ mode: 'demo' }`. */
export function isDemo(info: { demo?: unknown; mode?: unknown } | undefined): boolean {
  return info?.demo === true || info?.mode === 'demo'
}
