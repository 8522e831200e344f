import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { NewUserSchema } from '../dashboard/server/api/user-routes.js'
import { generatePassword, hashPassword } from '../dashboard/server/passwords.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { provisionDevice, provisionGateway } from '../ingest/provisioning.js'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { callAdminSocket } from './admin-client.js'
import type { SystemConfig } from './config.js'
import { loadSecretKey } from './secret-key.js'
import { ADMIN_SOCKET, DB_FILE } from './system.js'

export interface NewDevice {
  id: string
  kind: string
  site: string | null
  lat: number | null
  lon: number | null
  gatewayId: string | null
}

export interface DeviceRow {
  id: string
  kind: string
  site: string | null
  gatewayId?: string | null
}

/** Registry administration, either through the running server or directly on DATA_DIR. */
export interface AdminBackend {
  addDevice(input: NewDevice): Promise<{ password: string }>
  listDevices(): Promise<DeviceRow[]>
  removeDevice(id: string): Promise<boolean>
  addGateway(id: string): Promise<{ password: string; deviceKey: string }>
  listGateways(): Promise<Array<{ id: string; devices: string[] }>>
  removeGateway(id: string): Promise<boolean>
  addUser(input: NewUser): Promise<{ password?: string }>
  listUsers(): Promise<
    Array<{ username: string; role: string; kinds: string[] | null; sites: string[] | null }>
  >
  removeUser(username: string): Promise<boolean>
  close(): Promise<void> | void
}

export interface NewUser {
  username: string
  role: 'admin' | 'operator' | 'viewer'
  password?: string
  kinds: string[] | null
  sites: string[] | null
}

async function socketBackend(socketPath: string): Promise<AdminBackend | undefined> {
  if (!existsSync(socketPath)) return undefined
  try {
    await callAdminSocket(socketPath, 'GET', '/me')
  } catch {
    return undefined // a stale socket file left by a killed process
  }
  const call = async (method: string, path: string, expected: number, body?: unknown) => {
    const res = await callAdminSocket(socketPath, method, path, body)
    if (res.status === 404 && method === 'DELETE') return undefined
    if (res.status !== expected)
      throw new Error((res.body as { error?: string })?.error ?? `server answered ${res.status}`)
    return res.body
  }
  return {
    addDevice: async (input) => (await call('POST', '/devices', 201, input)) as { password: string },
    listDevices: async () => ((await call('GET', '/devices', 200)) as { devices: DeviceRow[] }).devices,
    removeDevice: async (id) =>
      (await call('DELETE', `/devices/${encodeURIComponent(id)}`, 204)) !== undefined,
    addGateway: async (id) =>
      (await call('POST', '/gateways', 201, { id })) as { password: string; deviceKey: string },
    listGateways: async () =>
      ((await call('GET', '/gateways', 200)) as { gateways: Array<{ id: string; devices: string[] }> })
        .gateways,
    removeGateway: async (id) =>
      (await call('DELETE', `/gateways/${encodeURIComponent(id)}`, 204)) !== undefined,
    addUser: async (input) => (await call('POST', '/users', 201, input)) as { password?: string },
    listUsers: async () =>
      ((await call('GET', '/users', 200)) as { users: Awaited<ReturnType<AdminBackend['listUsers']>> }).users,
    removeUser: async (username) =>
      (await call('DELETE', `/users/${encodeURIComponent(username)}`, 204)) !== undefined,
    close() {},
  }
}

async function directBackend(config: SystemConfig): Promise<AdminBackend> {
  const store = await openEmbeddedStore(join(config.dataDir, DB_FILE))
  const directory = await loadDeviceDirectory(store.meta)
  const key = () => loadSecretKey(config.dataDir, config.secretKey)
  return {
    addDevice: (input) => provisionDevice(directory, key(), input),
    listDevices: async () => directory.list(),
    removeDevice: (id) => directory.remove(id),
    addGateway: (id) => provisionGateway(directory, key(), { id }),
    listGateways: async () =>
      directory
        .listGateways()
        .map((g) => ({ id: g.id, devices: directory.devicesOf(g.id).map((d) => d.id) })),
    removeGateway: (id) => directory.removeGateway(id),
    async addUser(input) {
      const parsed = NewUserSchema.safeParse(input)
      if (!parsed.success) throw new Error(z.prettifyError(parsed.error))
      if (await store.meta.getUser(input.username)) throw new Error(`user ${input.username} exists already`)
      const password = input.password ?? generatePassword()
      await store.meta.addUser({
        username: input.username,
        passwordHash: await hashPassword(password),
        role: input.role,
        createdAt: Date.now(),
        kinds: parsed.data.kinds ?? null,
        sites: parsed.data.sites ?? null,
      })
      return input.password ? {} : { password }
    },
    listUsers: async () =>
      (await store.meta.listUsers()).map((u) => ({
        username: u.username,
        role: u.role,
        kinds: u.kinds ?? null,
        sites: u.sites ?? null,
      })),
    removeUser: (username) => store.meta.removeUser(username),
    close: () => store.close(),
  }
}

/**
 * While mimamori runs it holds the DuckDB file, so the CLI goes through its local admin socket.
 * With DATABASE_URL (scale-out) the registry is in PostgreSQL and the CLI writes there directly.
 */
export async function openAdminBackend(config: SystemConfig): Promise<AdminBackend> {
  const { databaseUrl } = config
  if (databaseUrl) {
    const { openPostgresAdminBackend } = await import('./postgres-admin.js')
    return openPostgresAdminBackend({ ...config, databaseUrl })
  }
  return (await socketBackend(join(config.dataDir, ADMIN_SOCKET))) ?? (await directBackend(config))
}
