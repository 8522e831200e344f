import { existsSync } from 'node:fs'
import { join } from 'node:path'
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
  close(): void
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
    close: () => store.close(),
  }
}

/** While mimamori runs it holds the DuckDB file, so the CLI goes through its local admin socket. */
export async function openAdminBackend(config: SystemConfig): Promise<AdminBackend> {
  return (await socketBackend(join(config.dataDir, ADMIN_SOCKET))) ?? (await directBackend(config))
}
