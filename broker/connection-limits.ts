/**
 * Admission of new sockets, before any byte is parsed: a cap on open connections over all
 * listeners, and a token bucket of new connections per source IP (reconnect storms, scanners).
 */
export interface AdmissionOptions {
  maxConnections: number
  /** Tokens per second; 0 = no rate limit. */
  ratePerIp: number
  burstPerIp: number
  exempt: readonly string[]
  now?: () => number
  maxTrackedIps?: number
}

export type AdmissionRefusal = 'max_connections' | 'rate_limited'

export interface Admission {
  /** Returns a refusal, or undefined when the socket may stay (then call `release` when it closes). */
  admit(ip: string): AdmissionRefusal | undefined
  release(): void
  open(): number
}

export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? Date.now
  const maxTracked = options.maxTrackedIps ?? 100_000
  const exempt = new Set(options.exempt)
  const buckets = new Map<string, { tokens: number; at: number }>()
  let open = 0
  const take = (ip: string): boolean => {
    if (options.ratePerIp <= 0 || exempt.has(ip)) return true
    const t = now()
    let bucket = buckets.get(ip)
    if (!bucket) {
      if (buckets.size >= maxTracked) {
        const oldest = buckets.keys().next().value
        if (oldest !== undefined) buckets.delete(oldest)
      }
      bucket = { tokens: options.burstPerIp, at: t }
      buckets.set(ip, bucket)
    }
    bucket.tokens = Math.min(options.burstPerIp, bucket.tokens + ((t - bucket.at) / 1000) * options.ratePerIp)
    bucket.at = t
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
  return {
    admit(ip) {
      if (open >= options.maxConnections) return 'max_connections'
      if (!take(ip)) return 'rate_limited'
      open += 1
      return undefined
    },
    release() {
      open = Math.max(0, open - 1)
    },
    open: () => open,
  }
}
