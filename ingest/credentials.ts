/**
 * Rotating and revoking device credentials. The registry has no update yet, so a change is a
 * remove + add of the same record through the directory: its `onRemoved` listeners disconnect
 * the device at once (cli/system.ts), and gateways get a fresh device list. A revoked device
 * keeps its row (and its data) with an unusable hash `revoked:<ms>`, which the broker refuses
 * with CONNACK 5, also after a restart.
 */
import { REVOKED_HASH_PREFIX } from '../broker/connect-hooks.js'
import { gatewayDeviceKey, generateDeviceSecret, hashDeviceSecret } from '../broker/device-secrets.js'
import type { DeviceDirectory } from './device-directory.js'
import type { DeviceRecord } from './store/meta-store.js'

export class CredentialError extends Error {
  constructor(
    message: string,
    readonly code: 'NO_DEVICE',
  ) {
    super(message)
  }
}

export interface CredentialService {
  /** A new password (shown once); the old one stops working and the device is disconnected. */
  rotate(deviceId: string): Promise<{ password: string }>
  /** The device is disconnected and refused from now on, until its credentials are rotated. */
  revoke(deviceId: string): Promise<{ revokedAt: number }>
}

type Directory = Pick<DeviceDirectory, 'get' | 'add' | 'remove'>

async function replace(directory: Directory, before: DeviceRecord, after: DeviceRecord) {
  await directory.remove(before.id)
  try {
    await directory.add(after)
  } catch (err) {
    await directory.add(before).catch(() => {})
    throw err
  }
}

export function createCredentialService(
  directory: Directory,
  secretKey: Buffer,
  now: () => number = Date.now,
): CredentialService {
  const existing = (id: string) => {
    const device = directory.get(id)
    if (!device) throw new CredentialError(`no device ${id}`, 'NO_DEVICE')
    return device
  }
  return {
    async rotate(deviceId) {
      const device = existing(deviceId)
      const password = generateDeviceSecret()
      await replace(directory, device, {
        ...device,
        secretHash: hashDeviceSecret(secretKey, password),
        gatewaySecretHash: device.gatewayId
          ? hashDeviceSecret(gatewayDeviceKey(secretKey, device.gatewayId), password)
          : null,
        revokedAt: null,
      })
      return { password }
    },
    async revoke(deviceId) {
      const device = existing(deviceId)
      const revokedAt = now()
      const unusable = `${REVOKED_HASH_PREFIX}${revokedAt}`
      await replace(directory, device, {
        ...device,
        secretHash: unusable,
        gatewaySecretHash: device.gatewaySecretHash ? unusable : null,
        revokedAt,
      })
      return { revokedAt }
    },
  }
}

/** Is this device revoked (in memory, or by its hash after a restart)? */
export function isRevoked(device: Pick<DeviceRecord, 'revokedAt' | 'secretHash'>): boolean {
  return device.revokedAt !== null || device.secretHash.startsWith(REVOKED_HASH_PREFIX)
}
