import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createBatchWriter } from './batch-writer.js'
import type { ReadingStore, StoredReading } from './store/store.js'

const log = pino({ level: 'silent' })
const row = (seq: number): StoredReading => ({ deviceId: 'd', metric: 'm', ts: seq, value: seq, seq })

function fakeStore(failures = 0) {
  const batches: StoredReading[][] = []
  let remainingFailures = failures
  const store: ReadingStore = {
    async write(rows) {
      if (remainingFailures-- > 0) throw new Error('store down')
      batches.push([...rows])
    },
    latestAll: async () => new Map(),
    raw: async () => [],
    buckets: async () => [],
    count: async () => batches.flat().length,
    storedKeys: async () => [],
    recentKeys: async () => new Map(),
    scan: async function* () {},
  }
  return { store, batches }
}

describe('batch writer', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('groups rows from many callers into one write bounded by age', async () => {
    const { store, batches } = fakeStore()
    const writer = createBatchWriter(store, { maxRows: 100, maxAgeMs: 20, retryDelayMs: 10 }, log)
    const done = [writer.enqueue([row(1)]), writer.enqueue([row(2), row(3)])]
    expect(batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(20)
    await Promise.all(done)
    expect(batches).toEqual([[row(1), row(2), row(3)]])
  })

  it('writes at once when the size bound is reached', async () => {
    const { store, batches } = fakeStore()
    const writer = createBatchWriter(store, { maxRows: 2, maxAgeMs: 10_000, retryDelayMs: 10 }, log)
    await writer.enqueue([row(1), row(2)])
    expect(batches).toHaveLength(1)
  })

  it('resolves rows that came during a write only once their own write is done', async () => {
    const writes: Array<{ rows: StoredReading[]; finish: () => void }> = []
    const store = {
      ...fakeStore().store,
      write: (rows: readonly StoredReading[]) =>
        new Promise<void>((finish) => {
          writes.push({ rows: [...rows], finish })
        }),
    }
    const writer = createBatchWriter(store, { maxRows: 1, maxAgeMs: 10_000, retryDelayMs: 10 }, log)
    let firstDone = false
    let secondDone = false
    void writer.enqueue([row(1)]).then(() => {
      firstDone = true
    })
    void writer.enqueue([row(2)]).then(() => {
      secondDone = true
    })
    expect(writes.map((w) => w.rows)).toEqual([[row(1)]])
    writes[0]?.finish()
    await vi.advanceTimersByTimeAsync(0)
    expect([firstDone, secondDone]).toEqual([true, false])
    expect(writes.map((w) => w.rows)).toEqual([[row(1)], [row(2)]])
    writes[1]?.finish()
    await vi.advanceTimersByTimeAsync(0)
    expect(secondDone).toBe(true)
  })

  it('retries a failing store without resolving or dropping anything', async () => {
    const { store, batches } = fakeStore(3)
    const writer = createBatchWriter(store, { maxRows: 1, maxAgeMs: 5, retryDelayMs: 10 }, log)
    let resolved = false
    const pending = writer.enqueue([row(1)]).then(() => {
      resolved = true
    })
    await vi.advanceTimersByTimeAsync(15)
    expect(resolved).toBe(false)
    expect(writer.healthy()).toBe(false)
    expect(writer.pendingRows()).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    await pending
    expect(batches).toEqual([[row(1)]])
    expect(writer.healthy()).toBe(true)
    expect(writer.pendingRows()).toBe(0)
  })

  it('reports each write with its rows and the seconds until durable, retries included', async () => {
    const { store } = fakeStore(2)
    const written: Array<[number, number]> = []
    const writer = createBatchWriter(
      store,
      { maxRows: 100, maxAgeMs: 5, retryDelayMs: 10, onWritten: (rows, s) => written.push([rows, s]) },
      log,
    )
    const done = writer.enqueue([row(1), row(2)])
    await vi.advanceTimersByTimeAsync(100)
    await done
    // two failures: 10 ms and 20 ms of backoff before the write that succeeded
    expect(written).toHaveLength(1)
    expect(written[0]?.[0]).toBe(2)
    expect(written[0]?.[1]).toBeGreaterThanOrEqual(0.03)
  })

  it('flushes everything on close and refuses new rows after', async () => {
    const { store, batches } = fakeStore()
    const writer = createBatchWriter(store, { maxRows: 100, maxAgeMs: 10_000, retryDelayMs: 10 }, log)
    const accepted = writer.enqueue([row(1)])
    await writer.close()
    await accepted
    expect(batches.flat()).toEqual([row(1)])
    await expect(writer.enqueue([row(2)])).rejects.toThrow(/shutting down/)
  })
})
