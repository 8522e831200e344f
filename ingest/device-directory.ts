import type { DeviceRecord, DeviceRegistry } from './store/meta-store.js'

/**
 * The registry kept in memory for the hot path: the broker checks credentials and ingest looks up
 * kinds on every message without a database round trip. Changes go through here so both stay true.
 */
export interface DeviceDirectory {
  get(deviceId: string): DeviceRecord | undefined
  list(): DeviceRecord[]
  add(device: DeviceRecord): Promise<void>
  remove(deviceId: string): Promise<boolean>
  onRemoved(listener: (deviceId: string) => void): void
}

export async function loadDeviceDirectory(registry: DeviceRegistry): Promise<DeviceDirectory> {
  const devices = new Map((await registry.listDevices()).map((d) => [d.id, d]))
  const removedListeners: Array<(deviceId: string) => void> = []
  return {
    get: (deviceId) => devices.get(deviceId),
    list: () => [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
    async add(device) {
      await registry.addDevice(device)
      devices.set(device.id, device)
    },
    async remove(deviceId) {
      const removed = await registry.removeDevice(deviceId)
      devices.delete(deviceId)
      if (removed) for (const listener of removedListeners) listener(deviceId)
      return removed
    },
    onRemoved: (listener) => removedListeners.push(listener),
  }
}
