import type { Api } from './api.js'
import { applyAlertToDevice, applyFrame, mergeDeviceList } from './live-sync.js'
import type { AlertEvent, DeviceSummary, ReadingFrame } from './types.js'

/** `list`: a fresh REST answer (rebuild); `values`: live frames changed these devices' values. */
export type DeviceChange = { type: 'list' } | { type: 'values'; ids: ReadonlySet<string> }

export interface DeviceStore {
  loaded(): boolean
  error(): string | undefined
  list(): DeviceSummary[]
  get(id: string): DeviceSummary | undefined
  /** Refetches the list; frames that arrived meanwhile are kept when newer. */
  load(): Promise<void>
  applyFrame(frame: ReadingFrame): void
  /** A live alert that changed the open set: the device's status follows at once. */
  applyAlert(event: AlertEvent): void
  subscribe(listener: (change: DeviceChange) => void): () => void
}

/**
 * The device list every page shares (overview, map, rail sections, paddies, reservoirs), so one
 * socket and one REST call serve them all. Live changes are announced at most once per animation
 * frame, however many frames arrive: a storm of readings must not freeze a phone.
 */
export function createDeviceStore(
  api: Pick<Api, 'devices'>,
  raf: (cb: () => void) => unknown = requestAnimationFrame,
): DeviceStore {
  let devices = new Map<string, DeviceSummary>()
  let loaded = false
  let error: string | undefined
  const listeners = new Set<(change: DeviceChange) => void>()
  let dirty = new Set<string>()
  let queued = false

  const emit = (change: DeviceChange): void => {
    for (const listener of listeners) listener(change)
  }

  const flush = (): void => {
    queued = false
    const ids = dirty
    dirty = new Set()
    if (ids.size > 0) emit({ type: 'values', ids })
  }

  return {
    loaded: () => loaded,
    error: () => error,
    list: () => [...devices.values()],
    get: (id) => devices.get(id),
    async load() {
      try {
        const list = await api.devices()
        devices = mergeDeviceList(devices, list)
        loaded = true
        error = undefined
      } catch (err) {
        error = err instanceof Error ? err.message : String(err)
        emit({ type: 'list' })
        throw err
      }
      emit({ type: 'list' })
    },
    applyFrame(frame) {
      const device = devices.get(frame.deviceId)
      if (device === undefined) return
      const next = applyFrame(device, frame)
      if (next === device) return
      devices.set(device.id, next)
      dirty.add(device.id)
      if (!queued) {
        queued = true
        raf(flush)
      }
    },
    applyAlert(event) {
      const device = devices.get(event.alert.deviceId)
      if (device === undefined) return
      devices.set(device.id, applyAlertToDevice(device, event))
      emit({ type: 'list' })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
