import { generateDeviceSecret, hashDeviceSecret } from '../broker/device-secrets.js'
import { DEVICE_ID_PATTERN, type DeviceKind, isDeviceKind } from '../firmware-contracts/index.js'
import type { DeviceRecord } from './store/meta-store.js'

export class ProvisioningError extends Error {
  readonly code = 'PROVISIONING'
}

/**
 * Registers a device and returns its password, which exists nowhere else afterwards: only the
 * keyed hash is stored.
 */
export async function provisionDevice(
  registry: {
    get(id: string): DeviceRecord | undefined | Promise<DeviceRecord | undefined>
    add(d: DeviceRecord): Promise<void>
  },
  secretKey: Buffer,
  input: { id: string; kind: string; site: string | null; lat?: number | null; lon?: number | null },
  now: () => number = Date.now,
): Promise<{ device: DeviceRecord; password: string }> {
  if (!DEVICE_ID_PATTERN.test(input.id)) {
    throw new ProvisioningError(`invalid device id "${input.id}": use letters, digits, - and _ (1-64 chars)`)
  }
  if (!isDeviceKind(input.kind))
    throw new ProvisioningError(`unknown kind "${input.kind}": use paddy, reservoir or rail`)
  if (await registry.get(input.id)) throw new ProvisioningError(`device ${input.id} exists already`)
  const password = generateDeviceSecret()
  const device: DeviceRecord = {
    id: input.id,
    kind: input.kind as DeviceKind,
    site: input.site,
    secretHash: hashDeviceSecret(secretKey, password),
    createdAt: now(),
    revokedAt: null,
    lat: input.lat ?? null,
    lon: input.lon ?? null,
  }
  await registry.add(device)
  return { device, password }
}
