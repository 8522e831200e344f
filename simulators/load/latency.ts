/**
 * A fixed-size log-scale histogram of latencies: 1 µs to ~1 h in buckets ~3 % wide, so
 * millions of samples cost no memory and p50 / p99 are accurate to a few percent.
 */
const BUCKETS_PER_DOUBLING = 24
const MAX_BUCKET = 32 * BUCKETS_PER_DOUBLING

export interface LatencyHistogram {
  /** Records one latency in milliseconds. */
  record(ms: number): void
  count(): number
  /** The q-quantile (0..1) in ms, or undefined without samples. */
  quantile(q: number): number | undefined
  max(): number | undefined
}

/** @example const h = createLatencyHistogram(); h.record(1.2); h.quantile(0.99) */
export function createLatencyHistogram(): LatencyHistogram {
  const buckets = new Float64Array(MAX_BUCKET + 1)
  let n = 0
  let max = 0
  const bucketOf = (ms: number): number => {
    const us = Math.max(1, ms * 1000)
    return Math.min(MAX_BUCKET, Math.floor(Math.log2(us) * BUCKETS_PER_DOUBLING))
  }
  return {
    record(ms) {
      if (!Number.isFinite(ms) || ms < 0) return
      const b = bucketOf(ms)
      buckets[b] = (buckets[b] as number) + 1
      n++
      if (ms > max) max = ms
    },
    count: () => n,
    quantile(q) {
      if (n === 0) return undefined
      const target = Math.max(1, Math.ceil(q * n))
      let seen = 0
      for (let b = 0; b <= MAX_BUCKET; b++) {
        seen += buckets[b] as number
        if (seen >= target) {
          // The geometric middle of the bucket, never beyond the largest sample.
          return Math.min(max, 2 ** ((b + 0.5) / BUCKETS_PER_DOUBLING) / 1000)
        }
      }
      return max
    },
    max: () => (n === 0 ? undefined : max),
  }
}
