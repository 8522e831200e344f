import type { Reading } from '../firmware-contracts/index.js'

/** A stored reading's identity within one device (DESIGN.md: dedupe key `(deviceId, seq, ts)`). */
export interface ReadingKey {
  seq: number
  ts: number
}

/** What dedupe asks the store when the in-memory window cannot decide. */
export interface KeyLookup {
  /** Keys of `deviceId` stored with `from <= ts <= to`. */
  storedKeys(deviceId: string, from: number, to: number): Promise<ReadingKey[]>
  /** Per device, the newest `perDevice` keys with `ts > since`, newest first. */
  recentKeys(since: number, perDevice: number): Promise<Map<string, ReadingKey[]>>
}

export interface Dedupe {
  /**
   * The readings not stored before, in input order; marks them seen. Decided in memory (an array,
   * at once) unless a reading is old enough that the store must be asked (a promise).
   */
  fresh(deviceId: string, readings: readonly Reading[]): Reading[] | Promise<Reading[]>
}

/**
 * A bounded ring of recent keys per device, plus a per-device `floor`: every stored reading with
 * `ts > floor` is in the ring. A reading newer than the floor is decided in memory (the live
 * path: no query); one at or below it (gateway backfill, QoS1 redelivery after a restart, a device
 * clock gone backwards) is checked against the store. Memory: ~12 bytes × window per device.
 */
export function createDedupe(options: { windowPerDevice: number; lookup: KeyLookup }) {
  const size = options.windowPerDevice
  interface Window {
    seqs: Uint32Array
    tss: Float64Array
    next: number
    filled: number
    floor: number
  }
  const windows = new Map<string, Window>()
  let defaultFloor = Number.NEGATIVE_INFINITY

  const windowOf = (deviceId: string) => {
    let w = windows.get(deviceId)
    if (!w) {
      w = {
        seqs: new Uint32Array(size),
        tss: new Float64Array(size),
        next: 0,
        filled: 0,
        floor: defaultFloor,
      }
      windows.set(deviceId, w)
    }
    return w
  }
  const has = (w: Window, seq: number, ts: number) => {
    for (let i = 0; i < w.filled; i++) if (w.seqs[i] === seq && w.tss[i] === ts) return true
    return false
  }
  const add = (w: Window, seq: number, ts: number) => {
    if (w.filled === size) w.floor = Math.max(w.floor, w.tss[w.next] as number) // the evicted key
    w.seqs[w.next] = seq
    w.tss[w.next] = ts
    w.next = (w.next + 1) % size
    w.filled = Math.min(w.filled + 1, size)
  }

  const dedupe: Dedupe & { load(now: number, lookbackMs: number): Promise<number> } = {
    /** Rebuilds the windows from the store at start-up, so dedupe holds across restarts. */
    async load(now, lookbackMs) {
      const since = now - lookbackMs
      defaultFloor = since
      const recent = await options.lookup.recentKeys(since, size + 1)
      for (const [deviceId, keys] of recent) {
        const w = windowOf(deviceId)
        const inWindow = keys.slice(0, size)
        for (let i = inWindow.length - 1; i >= 0; i--)
          add(w, (inWindow[i] as ReadingKey).seq, (inWindow[i] as ReadingKey).ts)
        w.floor = keys.length > size ? Math.max(since, (keys[size] as ReadingKey).ts) : since
      }
      return recent.size
    },

    fresh(deviceId, readings) {
      const w = windowOf(deviceId)
      const fresh: Reading[] = []
      const unsure: Reading[] = []
      for (const reading of readings) {
        if (has(w, reading.seq, reading.ts)) continue
        // decided against the floor before marking, since marking may raise the floor
        if (reading.ts <= w.floor) unsure.push(reading)
        fresh.push(reading)
        add(w, reading.seq, reading.ts)
      }
      if (unsure.length === 0) return fresh
      return againstStore(deviceId, fresh, unsure)
    },
  }

  async function againstStore(deviceId: string, fresh: Reading[], unsure: Reading[]): Promise<Reading[]> {
    let from = Number.POSITIVE_INFINITY
    let to = Number.NEGATIVE_INFINITY
    for (const r of unsure) {
      from = Math.min(from, r.ts)
      to = Math.max(to, r.ts)
    }
    const stored = new Set(
      (await options.lookup.storedKeys(deviceId, from, to)).map((k) => `${k.seq}:${k.ts}`),
    )
    if (stored.size === 0) return fresh
    const known = new Set(unsure.filter((r) => stored.has(`${r.seq}:${r.ts}`)))
    return fresh.filter((r) => !known.has(r))
  }
  return dedupe
}
