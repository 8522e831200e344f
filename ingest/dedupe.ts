/**
 * A bounded per-device window of recently seen `(seq, ts)` keys. It catches QoS1 redeliveries and
 * gateway retries in memory; a device restarting `seq` at 0 after a reboot has new timestamps, so
 * its readings are not mistaken for duplicates (DESIGN.md, "Reading").
 */
export interface Dedupe {
  /** True the first time a key is seen within the window; marks it seen. */
  firstSeen(deviceId: string, seq: number, ts: number): boolean
}

export function createDedupe(options: { windowPerDevice: number; maxDevices: number }): Dedupe {
  const windows = new Map<string, { keys: Set<string>; order: string[] }>()
  return {
    firstSeen(deviceId, seq, ts) {
      let window = windows.get(deviceId)
      if (!window) {
        if (windows.size >= options.maxDevices) {
          // Evict the least recently created device window: memory stays bounded.
          const oldest = windows.keys().next().value
          if (oldest !== undefined) windows.delete(oldest)
        }
        window = { keys: new Set(), order: [] }
        windows.set(deviceId, window)
      }
      const key = `${seq}:${ts}`
      if (window.keys.has(key)) return false
      window.keys.add(key)
      window.order.push(key)
      if (window.order.length > options.windowPerDevice) window.keys.delete(window.order.shift() as string)
      return true
    },
  }
}
