/**
 * Provisioning for scale-out (DATABASE_URL set): `device add|list|remove|rotate|revoke` and
 * `gateway add|list|remove` write to PostgreSQL directly. There is no admin socket to go through:
 * the NOTIFY triggers of the registry tell every running broker, which disconnects a removed,
 * revoked or rotated device at once.
 */
import { CredentialError, createCredentialService } from '../ingest/credentials.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { provisionDevice, provisionGateway } from '../ingest/provisioning.js'
import { openPostgresMetaStore } from '../ingest/store/postgres/index.js'
import type { AdminBackend } from './admin-backend.js'
import type { SystemConfig } from './config.js'
import { sharedSecretKey } from './scale-out-config.js'

const NO_USERS =
  'dashboard users are kept by the all-in-one process (mimamori start) in its DATA_DIR, not in PostgreSQL: run this without DATABASE_URL'

export async function openPostgresAdminBackend(
  config: SystemConfig & { databaseUrl: string },
): Promise<AdminBackend> {
  const store = await openPostgresMetaStore(config.databaseUrl, { poolSize: 2 })
  try {
    const directory = await loadDeviceDirectory(store.registry)
    const key = () => sharedSecretKey(config)
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
      addUser: async () => {
        throw new Error(NO_USERS)
      },
      listUsers: async () => {
        throw new Error(NO_USERS)
      },
      removeUser: async () => {
        throw new Error(NO_USERS)
      },
      close() {
        store.close().catch(() => {})
      },
    }
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
}

/** `device rotate|revoke` on PostgreSQL. */
export async function changeCredentialsInPostgres(
  config: SystemConfig & { databaseUrl: string },
  action: 'rotate' | 'revoke',
  id: string,
): Promise<{ password?: string; revokedAt?: number }> {
  const secretKey = sharedSecretKey(config)
  const store = await openPostgresMetaStore(config.databaseUrl, { poolSize: 1 })
  try {
    const directory = await loadDeviceDirectory(store.registry)
    if (!directory.get(id)) throw new CredentialError(`no device ${id}`, 'NO_DEVICE')
    const service = createCredentialService(directory, secretKey)
    return action === 'rotate' ? await service.rotate(id) : await service.revoke(id)
  } finally {
    await store.close()
  }
}
