/**
 * Failed-login throttling per source IP and per username (RELIABILITY.md item 29): after `max`
 * failures within `windowMs` the key is locked until the window has passed, and CONNECTs for it
 * are refused without looking at the password. Memory is bounded: at most `maxKeys` keys are
 * tracked, oldest first out.
 */
export interface ThrottleOptions {
  windowMs: number
  /** 0 turns this throttle off. */
  max: number
  maxKeys?: number
  now?: () => number
}

export interface Throttle {
  /** Is this key locked now? */
  locked(key: string): boolean
  /** Records a failure; returns true if the key is locked from now on. */
  fail(key: string): boolean
  /** A successful login clears the key's failures. */
  succeed(key: string): void
  size(): number
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const now = options.now ?? Date.now
  const maxKeys = options.maxKeys ?? 100_000
  // key -> failures in the current window; lockedUntil once over the limit
  const entries = new Map<string, { windowStart: number; failures: number; lockedUntil: number }>()
  const current = (key: string) => {
    const entry = entries.get(key)
    if (!entry) return undefined
    const t = now()
    if (entry.lockedUntil <= t && t - entry.windowStart >= options.windowMs) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  return {
    locked(key) {
      if (options.max === 0) return false
      const entry = current(key)
      return entry !== undefined && entry.lockedUntil > now()
    },
    fail(key) {
      if (options.max === 0) return false
      const t = now()
      let entry = current(key)
      if (!entry) {
        if (entries.size >= maxKeys) {
          const oldest = entries.keys().next().value
          if (oldest !== undefined) entries.delete(oldest)
        }
        entry = { windowStart: t, failures: 0, lockedUntil: 0 }
        entries.set(key, entry)
      }
      entry.failures += 1
      if (entry.failures >= options.max && entry.lockedUntil <= t) {
        entry.lockedUntil = t + options.windowMs
        entry.windowStart = t
      }
      return entry.lockedUntil > t
    },
    succeed(key) {
      entries.delete(key)
    },
    size: () => entries.size,
  }
}
