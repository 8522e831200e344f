/**
 * Rotating and revoking device credentials through the directory: its `onRemoved` listeners
 * disconnect the device at once (cli/system.ts, cli/broker-process.ts), and gateways get a fresh
 * device list. A revoked device keeps its row and its data with `revokedAt` set, which the broker
 * refuses with CONNACK 5 (also after a restart) and the silence watchdog skips.
 */
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

type Directory = Pick<DeviceDirectory, 'get' | 'revoke' | 'setSecret'>

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
      const changed = await directory.setSecret(
        deviceId,
        hashDeviceSecret(secretKey, password),
        device.gatewayId ? hashDeviceSecret(gatewayDeviceKey(secretKey, device.gatewayId), password) : null,
      )
      if (!changed) throw new CredentialError(`no device ${deviceId}`, 'NO_DEVICE')
      return { password }
    },
    async revoke(deviceId) {
      existing(deviceId)
      const revoked = await directory.revoke(deviceId, now())
      if (!revoked?.revokedAt) throw new CredentialError(`no device ${deviceId}`, 'NO_DEVICE')
      // a device revoked before keeps its first revocation time
      return { revokedAt: revoked.revokedAt }
    },
  }
}

/** Is this device refused? */
export function isRevoked(device: Pick<DeviceRecord, 'revokedAt'>): boolean {
  return device.revokedAt !== null
}
