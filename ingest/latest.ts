import type { Reading } from '../firmware-contracts/index.js'
import type { LatestValue, ReadingStore } from './store/store.js'

/** Latest value per (device, metric) and last-seen time per device, kept current by the pipeline. */
export interface LatestCache {
  get(deviceId: string): Record<string, LatestValue>
  lastSeen(deviceId: string): number | null
  update(deviceId: string, readings: readonly Reading[]): void
}

export async function loadLatestCache(store: ReadingStore): Promise<LatestCache> {
  const latest = await store.latestAll()
  const seen = new Map<string, number>()
  for (const [deviceId, metrics] of latest)
    seen.set(deviceId, Math.max(...Object.values(metrics).map((v) => v.ts)))
  return {
    get: (deviceId) => latest.get(deviceId) ?? {},
    lastSeen: (deviceId) => seen.get(deviceId) ?? null,
    update(deviceId, readings) {
      const entry = latest.get(deviceId) ?? {}
      let newest = seen.get(deviceId) ?? 0
      for (const reading of readings) {
        for (const [metric, value] of Object.entries(reading.m)) {
          const previous = entry[metric]
          // a late (backfilled) reading must not replace a newer latest value
          if (!previous || previous.ts <= reading.ts) entry[metric] = { ts: reading.ts, value }
        }
        newest = Math.max(newest, reading.ts)
      }
      latest.set(deviceId, entry)
      seen.set(deviceId, newest)
    },
  }
}
