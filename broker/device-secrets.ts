import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Device secrets are generated 256-bit tokens, so a fast keyed hash (HMAC-SHA-256 with a server
 * key) is as strong as a slow password hash here and lets 10k devices reconnect in milliseconds.
 * The key lives outside the database (DATA_DIR/secret.key or MIMAMORI_SECRET_KEY), so a leaked
 * database copy alone does not allow offline guessing.
 */
const PREFIX = 'hmac-sha256:'

/** A new device password: 32 random bytes, base64url (43 chars). */
export function generateDeviceSecret(): string {
  return randomBytes(32).toString('base64url')
}

export function hashDeviceSecret(key: Buffer, secret: string): string {
  return PREFIX + createHmac('sha256', key).update(secret, 'utf8').digest('base64url')
}

export function verifyDeviceSecret(key: Buffer, secret: string, stored: string): boolean {
  if (!stored.startsWith(PREFIX)) return false
  const expected = Buffer.from(stored.slice(PREFIX.length), 'base64url')
  const actual = createHmac('sha256', key).update(secret, 'utf8').digest()
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/**
 * The key a gateway uses to check its devices' passwords offline: derived from the server key
 * per gateway, so a stolen gateway reveals nothing about devices behind other gateways.
 */
export function gatewayDeviceKey(serverKey: Buffer, gatewayId: string): Buffer {
  return createHmac('sha256', serverKey).update(`gateway-device-key:${gatewayId}`, 'utf8').digest()
}
