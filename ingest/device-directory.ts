import type { DeviceRecord, DeviceRegistry, GatewayRecord } from './store/meta-store.js'

/** Hashes written by revocations before `revokedAt` was stored (see `loadDeviceDirectory`). */
const LEGACY_REVOKED_PREFIX = 'revoked:'

/** A row of the registry changed somewhere else (another process, SQL): re-read it. */
export interface RegistryChange {
  table: 'devices' | 'gateways'
  id: string
}

/**
 * The registry kept in memory for the hot path: the broker checks credentials and ingest looks up
 * kinds on every message without a database round trip. Changes go through here so both stay true;
 * changes made by another process arrive through `refresh` (PostgreSQL NOTIFY in scale-out).
 */
export interface DeviceDirectory {
  get(deviceId: string): DeviceRecord | undefined
  list(): DeviceRecord[]
  add(device: DeviceRecord): Promise<void>
  remove(deviceId: string): Promise<boolean>
  /** Refuses the device from now on (its row and data stay); undefined when there is no such device. */
  revoke(deviceId: string, at: number): Promise<DeviceRecord | undefined>
  /** New credential hashes; lifts a revocation. Undefined when there is no such device. */
  setSecret(
    deviceId: string,
    secretHash: string,
    gatewaySecretHash: string | null,
  ): Promise<DeviceRecord | undefined>
  /**
   * Called with a device or gateway id whose credentials went away or changed (removed, revoked,
   * rotated, here or in another process): its connection must go.
   */
  onRemoved(listener: (id: string) => void): void
  getGateway(gatewayId: string): GatewayRecord | undefined
  listGateways(): GatewayRecord[]
  addGateway(gateway: GatewayRecord): Promise<void>
  removeGateway(gatewayId: string): Promise<boolean>
  devicesOf(gatewayId: string): DeviceRecord[]
  /** Called with the gateway id whenever the set of its devices (or their credentials) changes. */
  onGatewayChanged(listener: (gatewayId: string) => void): void
  /** Re-reads one row that changed elsewhere and tells the listeners what that means. */
  refresh(change: RegistryChange): Promise<void>
  /** Re-reads everything (after missed notifications, e.g. a reconnect to the database). */
  reload(): Promise<void>
}

/** Did the credentials that let this account in change (so a live connection must go)? */
function credentialsChanged(
  before: { secretHash: string; revokedAt: number | null } | undefined,
  after: { secretHash: string; revokedAt: number | null } | undefined,
): boolean {
  if (!before) return false
  if (!after) return true
  return before.secretHash !== after.secretHash || (before.revokedAt === null && after.revokedAt !== null)
}

function sameDevice(a: DeviceRecord | undefined, b: DeviceRecord | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

export async function loadDeviceDirectory(registry: DeviceRegistry): Promise<DeviceDirectory> {
  const devices = new Map<string, DeviceRecord>()
  const gateways = new Map<string, GatewayRecord>()
  const removedListeners: Array<(id: string) => void> = []
  const gatewayListeners: Array<(gatewayId: string) => void> = []
  const gatewayChanged = (gatewayId: string | null | undefined) => {
    if (gatewayId) for (const listener of gatewayListeners) listener(gatewayId)
  }
  const removed = (id: string) => {
    for (const listener of removedListeners) listener(id)
  }

  /** Revocations used to be stored only as an unusable `revoked:<ms>` hash: turn them into revokedAt. */
  const normalize = async (device: DeviceRecord): Promise<DeviceRecord> => {
    if (device.revokedAt !== null || !device.secretHash.startsWith(LEGACY_REVOKED_PREFIX)) return device
    const at = Number(device.secretHash.slice(LEGACY_REVOKED_PREFIX.length)) || Date.now()
    await registry.revokeDevice(device.id, at)
    return { ...device, revokedAt: at }
  }

  /** Puts a device as the registry now has it in place and fires what changed. */
  const applyDevice = (id: string, next: DeviceRecord | undefined) => {
    const before = devices.get(id)
    if (sameDevice(before, next)) return
    if (next) devices.set(id, next)
    else devices.delete(id)
    if (credentialsChanged(before, next)) removed(id)
    gatewayChanged(before?.gatewayId)
    if (next?.gatewayId !== before?.gatewayId) gatewayChanged(next?.gatewayId)
  }
  const applyGateway = (id: string, next: GatewayRecord | undefined) => {
    const before = gateways.get(id)
    if (next) gateways.set(id, next)
    else gateways.delete(id)
    if (credentialsChanged(before, next)) removed(id)
    if (next && !before) gatewayChanged(id)
  }

  const reload = async () => {
    const freshDevices = new Map<string, DeviceRecord>()
    for (const device of await registry.listDevices()) freshDevices.set(device.id, await normalize(device))
    const freshGateways = new Map((await registry.listGateways()).map((g) => [g.id, g]))
    for (const id of new Set([...gateways.keys(), ...freshGateways.keys()]))
      applyGateway(id, freshGateways.get(id))
    for (const id of new Set([...devices.keys(), ...freshDevices.keys()]))
      applyDevice(id, freshDevices.get(id))
  }
  await reload()

  return {
    get: (deviceId) => devices.get(deviceId),
    list: () => [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
    async add(device) {
      if (device.gatewayId && !gateways.has(device.gatewayId))
        throw new Error(`no gateway ${device.gatewayId}`)
      await registry.addDevice(device)
      devices.set(device.id, device)
      gatewayChanged(device.gatewayId)
    },
    async remove(deviceId) {
      const device = devices.get(deviceId)
      const wasThere = await registry.removeDevice(deviceId)
      devices.delete(deviceId)
      if (wasThere) removed(deviceId)
      gatewayChanged(device?.gatewayId)
      return wasThere
    },
    async revoke(deviceId, at) {
      if (!(await registry.revokeDevice(deviceId, at))) return undefined
      applyDevice(deviceId, await registry.getDevice(deviceId))
      return devices.get(deviceId)
    },
    async setSecret(deviceId, secretHash, gatewaySecretHash) {
      if (!(await registry.setDeviceSecret(deviceId, secretHash, gatewaySecretHash))) return undefined
      applyDevice(deviceId, await registry.getDevice(deviceId))
      return devices.get(deviceId)
    },
    onRemoved: (listener) => removedListeners.push(listener),
    getGateway: (gatewayId) => gateways.get(gatewayId),
    listGateways: () => [...gateways.values()].sort((a, b) => a.id.localeCompare(b.id)),
    async addGateway(gateway) {
      await registry.addGateway(gateway)
      gateways.set(gateway.id, gateway)
      gatewayChanged(gateway.id)
    },
    async removeGateway(gatewayId) {
      if ([...devices.values()].some((d) => d.gatewayId === gatewayId)) {
        throw new Error(`gateway ${gatewayId} still serves devices; remove or reassign them first`)
      }
      const wasThere = await registry.removeGateway(gatewayId)
      gateways.delete(gatewayId)
      if (wasThere) removed(gatewayId)
      return wasThere
    },
    devicesOf: (gatewayId) => [...devices.values()].filter((d) => d.gatewayId === gatewayId),
    onGatewayChanged: (listener) => gatewayListeners.push(listener),
    async refresh(change) {
      if (change.table === 'gateways') applyGateway(change.id, await registry.getGateway(change.id))
      else {
        const device = await registry.getDevice(change.id)
        applyDevice(change.id, device && (await normalize(device)))
      }
    },
    reload,
  }
}
