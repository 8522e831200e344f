import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The server key for device-secret hashes: from config, else DATA_DIR/secret.key (created once,
 * mode 0600). Keeping it outside the database means a copied database alone reveals nothing.
 */
export function loadSecretKey(dataDir: string, configured?: Buffer): Buffer {
  if (configured) return configured
  const path = join(dataDir, 'secret.key')
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
  const key = randomBytes(32)
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  return key
}
