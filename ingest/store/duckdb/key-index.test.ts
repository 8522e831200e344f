import { describe, expect, it } from 'vitest'
import { KeyIndex } from './ingest-log.js'

describe("a segment's key index", () => {
  it("keeps each reading's key once, per device, past its first growth, and finds them by ts range", () => {
    const numbers = new Map<string, number>()
    const index = new KeyIndex(numbers)
    for (let seq = 0; seq < 400; seq++) {
      for (const device of ['a', 'b']) {
        // one row per metric: the same key twice in a row counts once
        index.add(device, seq, 1000 * seq)
        index.add(device, seq, 1000 * seq)
      }
    }
    const found: Array<{ seq: number; ts: number }> = []
    index.collect('b', 298_000, 301_000, found)
    expect(found).toEqual([
      { seq: 298, ts: 298_000 },
      { seq: 299, ts: 299_000 },
      { seq: 300, ts: 300_000 },
      { seq: 301, ts: 301_000 },
    ])
    const all: Array<{ seq: number; ts: number }> = []
    index.collect('a', 0, Number.POSITIVE_INFINITY, all)
    expect(all).toHaveLength(400)
    const none: Array<{ seq: number; ts: number }> = []
    index.collect('unknown', 0, Number.POSITIVE_INFINITY, none)
    expect(none).toEqual([])
    // devices are numbered once, shared by every segment of the log
    new KeyIndex(numbers).add('a', 1, 1)
    expect(numbers.size).toBe(2)
  })
})
