import { gatewayDeviceKey, generateDeviceSecret, hashDeviceSecret } from '../broker/device-secrets.js'
import { DEVICE_ID_PATTERN, type DeviceKind, isDeviceKind } from '../firmware-contracts/index.js'
import type { DeviceRecord, GatewayRecord } from './store/meta-store.js'

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
    getGateway(id: string): GatewayRecord | undefined
    add(d: DeviceRecord): Promise<void>
  },
  secretKey: Buffer,
  input: {
    id: string
    kind: string
    site: string | null
    lat?: number | null
    lon?: number | null
    gatewayId?: string | null
  },
  now: () => number = Date.now,
): Promise<{ device: DeviceRecord; password: string }> {
  if (!DEVICE_ID_PATTERN.test(input.id)) {
    throw new ProvisioningError(`invalid device id "${input.id}": use letters, digits, - and _ (1-64 chars)`)
  }
  if (!isDeviceKind(input.kind))
    throw new ProvisioningError(`unknown kind "${input.kind}": use paddy, reservoir or rail`)
  if ((await registry.get(input.id)) || registry.getGateway(input.id)) {
    throw new ProvisioningError(`${input.id} exists already`)
  }
  if (input.gatewayId && !registry.getGateway(input.gatewayId)) {
    throw new ProvisioningError(
      `no gateway ${input.gatewayId}: add it first with \`gateway add ${input.gatewayId}\``,
    )
  }
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
    gatewayId: input.gatewayId ?? null,
    gatewaySecretHash: input.gatewayId
      ? hashDeviceSecret(gatewayDeviceKey(secretKey, input.gatewayId), password)
      : null,
  }
  await registry.add(device)
  return { device, password }
}

/**
 * Registers an edge gateway. Returns its MQTT password and its device key (base64): the gateway
 * needs both, and neither can be shown again.
 */
export async function provisionGateway(
  registry: {
    get(id: string): DeviceRecord | undefined
    getGateway(id: string): GatewayRecord | undefined
    addGateway(g: GatewayRecord): Promise<void>
  },
  secretKey: Buffer,
  input: { id: string },
  now: () => number = Date.now,
): Promise<{ gateway: GatewayRecord; password: string; deviceKey: string }> {
  if (!DEVICE_ID_PATTERN.test(input.id)) {
    throw new ProvisioningError(`invalid gateway id "${input.id}": use letters, digits, - and _ (1-64 chars)`)
  }
  if (registry.getGateway(input.id) || registry.get(input.id))
    throw new ProvisioningError(`${input.id} exists already`)
  const password = generateDeviceSecret()
  const gateway: GatewayRecord = {
    id: input.id,
    secretHash: hashDeviceSecret(secretKey, password),
    createdAt: now(),
    revokedAt: null,
  }
  await registry.addGateway(gateway)
  return { gateway, password, deviceKey: gatewayDeviceKey(secretKey, input.id).toString('base64') }
}
