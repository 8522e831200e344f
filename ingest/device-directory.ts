import type { DeviceRecord, DeviceRegistry, GatewayRecord } from './store/meta-store.js'

/**
 * The registry kept in memory for the hot path: the broker checks credentials and ingest looks up
 * kinds on every message without a database round trip. Changes go through here so both stay true.
 */
export interface DeviceDirectory {
  get(deviceId: string): DeviceRecord | undefined
  list(): DeviceRecord[]
  add(device: DeviceRecord): Promise<void>
  remove(deviceId: string): Promise<boolean>
  /** Called with a device or gateway id when it was removed (its connection must go). */
  onRemoved(listener: (id: string) => void): void
  getGateway(gatewayId: string): GatewayRecord | undefined
  listGateways(): GatewayRecord[]
  addGateway(gateway: GatewayRecord): Promise<void>
  removeGateway(gatewayId: string): Promise<boolean>
  devicesOf(gatewayId: string): DeviceRecord[]
  /** Called with the gateway id whenever the set of its devices changes. */
  onGatewayChanged(listener: (gatewayId: string) => void): void
}

export async function loadDeviceDirectory(registry: DeviceRegistry): Promise<DeviceDirectory> {
  const devices = new Map((await registry.listDevices()).map((d) => [d.id, d]))
  const gateways = new Map((await registry.listGateways()).map((g) => [g.id, g]))
  const removedListeners: Array<(id: string) => void> = []
  const gatewayListeners: Array<(gatewayId: string) => void> = []
  const gatewayChanged = (gatewayId: string | null | undefined) => {
    if (gatewayId) for (const listener of gatewayListeners) listener(gatewayId)
  }
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
      const removed = await registry.removeDevice(deviceId)
      devices.delete(deviceId)
      if (removed) for (const listener of removedListeners) listener(deviceId)
      gatewayChanged(device?.gatewayId)
      return removed
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
      const removed = await registry.removeGateway(gatewayId)
      gateways.delete(gatewayId)
      if (removed) for (const listener of removedListeners) listener(gatewayId)
      return removed
    },
    devicesOf: (gatewayId) => [...devices.values()].filter((d) => d.gatewayId === gatewayId),
    onGatewayChanged: (listener) => gatewayListeners.push(listener),
  }
}
