import type { Reading } from '../firmware-contracts/index.js'
import type { LatestValue, ReadingStore } from './store/store.js'

/** Latest value per (device, metric) and last-seen time per device, kept current by the pipeline. */
export interface LatestCache {
  get(deviceId: string): Record<string, LatestValue>
  lastSeen(deviceId: string): number | null
  update(deviceId: string, readings: readonly Reading[]): void
}

/**
 * A device's newest reading time, updated in place: as a Map value it would be a new heap number
 * per message (times are not small integers), held from the old generation until the next one.
 */
class LastSeen {
  declare ts: number
  constructor(ts: number) {
    this.ts = ts
  }
}

export async function loadLatestCache(store: ReadingStore): Promise<LatestCache> {
  const latest = await store.latestAll()
  const seen = new Map<string, LastSeen>()
  for (const [deviceId, metrics] of latest)
    seen.set(deviceId, new LastSeen(Math.max(...Object.values(metrics).map((v) => v.ts))))
  return {
    get: (deviceId) => latest.get(deviceId) ?? {},
    lastSeen: (deviceId) => seen.get(deviceId)?.ts ?? null,
    // runs for every message: no entries arrays, and the maps are written only when something changed
    update(deviceId, readings) {
      let entry = latest.get(deviceId)
      if (!entry) {
        entry = {}
        latest.set(deviceId, entry)
      }
      const last = seen.get(deviceId)
      let newest = last?.ts ?? 0
      for (const reading of readings) {
        const { ts, m } = reading
        for (const metric in m) {
          const previous = entry[metric]
          if (!previous) entry[metric] = { ts, value: m[metric] as number }
          else if (previous.ts <= ts) {
            // in place: a new object per metric and message lived until the device's next reading,
            // long enough to be promoted out of V8's young generation (readers copy it at once)
            previous.ts = ts
            previous.value = m[metric] as number
          }
          // (a late, backfilled reading never replaces a newer latest value)
        }
        if (ts > newest) newest = ts
      }
      if (!last) seen.set(deviceId, new LastSeen(newest))
      else last.ts = newest
    },
  }
}
