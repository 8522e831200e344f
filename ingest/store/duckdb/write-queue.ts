/**
 * A write that must not run again for the same items: part of it is stored (e.g. the alerts but
 * not their events), so the queue rejects the batch instead of retrying it item by item.
 */
export class PartlyWritten extends Error {}

export interface WriteQueueOptions<T> {
  /** Items per write at most. */
  maxBatch: number
  /** When more wait than one batch takes, higher ranks go first (stable within a rank). */
  rank?: (item: T) => number
}

interface Waiting<T, R> {
  item: T
  resolve(result: R): void
  reject(err: unknown): void
}

/**
 * Small writes batched: the items that arrive while one write runs go into the next, and the
 * first item of a quiet moment is written at once. A DuckDB statement costs 1–3 ms of CPU here
 * whatever its size, so a storm of thousands of single-row statements took tens of seconds.
 *
 * `write` returns one result per item, in order. If it throws, its items are retried one by one,
 * so a bad item fails only its own caller; a `PartlyWritten` error is passed on to all instead.
 */
export function createWriteQueue<T, R>(
  write: (items: T[]) => Promise<R[]>,
  options: WriteQueueOptions<T>,
): (item: T) => Promise<R> {
  let waiting: Array<Waiting<T, R>> = []
  let writing = false

  const settle = async (batch: Array<Waiting<T, R>>): Promise<void> => {
    try {
      const results = await write(batch.map((w) => w.item))
      batch.forEach((w, i) => {
        w.resolve(results[i] as R)
      })
    } catch (err) {
      if (batch.length === 1 || err instanceof PartlyWritten) {
        const reason = err instanceof PartlyWritten ? (err.cause ?? err) : err
        for (const w of batch) w.reject(reason)
        return
      }
      for (const w of batch) await settle([w])
    }
  }

  const take = (): Array<Waiting<T, R>> => {
    const { maxBatch, rank } = options
    if (waiting.length <= maxBatch) {
      const all = waiting
      waiting = []
      return all
    }
    const ordered = rank
      ? waiting
          .map((w, i) => ({ w, i, r: rank(w.item) }))
          .sort((a, b) => b.r - a.r || a.i - b.i)
          .map((x) => x.w)
      : waiting
    waiting = ordered.slice(maxBatch)
    return ordered.slice(0, maxBatch)
  }

  const drain = async () => {
    writing = true
    while (waiting.length > 0) await settle(take())
    writing = false
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject })
      if (!writing) void drain()
    })
}
