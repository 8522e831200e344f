/** A seeded pseudo-random source, so a simulated device replays the same series for the same seed. */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Gaussian with the given mean and standard deviation (Box–Muller). */
  normal(mean: number, sd: number): number
}

/**
 * mulberry32: 32 bits of state, fast and good enough for simulated sensor noise (not for secrets).
 * @example const r = createRandom(42); r.next() // same value on every run
 */
export function createRandom(seed: number): Random {
  // Non-integer or huge seeds are folded into 32 bits so any number is a valid seed.
  let state = Math.trunc(seed) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const normal = (mean: number, sd: number): number => {
    // 1 - next() is in (0, 1], so the log never sees 0.
    const u = 1 - next()
    const v = next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  return { next, normal }
}

/**
 * A 32-bit seed from a string (FNV-1a), so a device id gives a stable default seed.
 * @example seedFromString('p-01') === seedFromString('p-01') // true
 */
export function seedFromString(text: string, salt = 0): number {
  let hash = (0x811c9dc5 ^ salt) >>> 0
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}
