/**
 * `mimamori device rotate <id>` and `mimamori device revoke <id>`: through the running server's
 * admin socket when it runs (the device is disconnected at once), else directly on DATA_DIR.
 * With DATABASE_URL (scale-out) directly in PostgreSQL, whose NOTIFY reaches every broker.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CredentialError, createCredentialService } from '../ingest/credentials.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { callAdminSocket } from './admin-client.js'
import type { SystemConfig } from './config.js'
import type { Io } from './device-command.js'
import { loadSecretKey } from './secret-key.js'
import { ADMIN_SOCKET, DB_FILE } from './system.js'

export const CREDENTIALS_HELP = `Usage: mimamori device rotate|revoke <id>

  device rotate <id>   Gives the device a new MQTT password (printed once); the old one stops
                       working and a connected device is disconnected at once.
  device revoke <id>   Disconnects the device and refuses it from now on (its data stays).
                       Rotating its credentials later lets it in again.

With DATABASE_URL (scale-out brokers) the change is made in PostgreSQL and every broker follows.
`

type Action = 'rotate' | 'revoke'

async function viaSocket(socketPath: string, action: Action, id: string) {
  if (!existsSync(socketPath)) return undefined
  try {
    await callAdminSocket(socketPath, 'GET', '/me')
  } catch {
    return undefined // a stale socket file left by a killed process
  }
  const res = await callAdminSocket(socketPath, 'POST', `/devices/${encodeURIComponent(id)}/${action}`)
  if (res.status === 404) throw new CredentialError(`no device ${id}`, 'NO_DEVICE')
  if (res.status !== 200)
    throw new Error((res.body as { error?: string })?.error ?? `server answered ${res.status}`)
  return res.body as { password?: string }
}

async function direct(config: SystemConfig, action: Action, id: string) {
  const store = await openEmbeddedStore(join(config.dataDir, DB_FILE))
  try {
    const directory = await loadDeviceDirectory(store.meta)
    const service = createCredentialService(directory, loadSecretKey(config.dataDir, config.secretKey))
    return action === 'rotate' ? await service.rotate(id) : { ...(await service.revoke(id)) }
  } finally {
    await store.close()
  }
}

export async function runCredentialsCommand(argv: string[], config: SystemConfig, io: Io): Promise<number> {
  const [action, id, ...extra] = argv
  if ((action !== 'rotate' && action !== 'revoke') || !id || extra.length > 0) {
    io.err(CREDENTIALS_HELP)
    return 2
  }
  try {
    const { databaseUrl } = config
    const result = databaseUrl
      ? await (await import('./postgres-admin.js')).changeCredentialsInPostgres(
          { ...config, databaseUrl },
          action,
          id,
        )
      : ((await viaSocket(join(config.dataDir, ADMIN_SOCKET), action, id)) ??
        (await direct(config, action, id)))
    if (action === 'rotate') {
      io.out(
        `New credentials for ${id}.\n\n  MQTT username: ${id}\n  MQTT client id: ${id}\n  MQTT password: ${(result as { password: string }).password}\n\n` +
          'This password is shown only once; the old one no longer works.\n',
      )
    } else {
      io.out(`Device ${id} revoked: it is disconnected and refused until its credentials are rotated.\n`)
    }
    return 0
  } catch (err) {
    io.err(`mimamori device ${action}: ${(err as Error).message}\n`)
    return 1
  }
}
