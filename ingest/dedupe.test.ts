import { describe, expect, it } from 'vitest'
import type { Reading } from '../firmware-contracts/index.js'
import { createDedupe, type KeyLookup, type ReadingKey } from './dedupe.js'

const r = (seq: number, ts: number): Reading => ({ seq, ts, m: { x: 1 } })

function lookupOver(stored: Map<string, ReadingKey[]>) {
  const calls: Array<[string, number, number]> = []
  const lookup: KeyLookup = {
    async storedKeys(deviceId, from, to) {
      calls.push([deviceId, from, to])
      return (stored.get(deviceId) ?? []).filter((k) => k.ts >= from && k.ts <= to)
    },
    async recentKeys(since, perDevice) {
      const out = new Map<string, ReadingKey[]>()
      for (const [id, keys] of stored) {
        out.set(
          id,
          keys
            .filter((k) => k.ts > since)
            .sort((a, b) => b.ts - a.ts)
            .slice(0, perDevice),
        )
      }
      return out
    },
  }
  return { lookup, calls }
}

describe('dedupe', () => {
  it('catches a redelivery in memory but not a rebooted device restarting seq with a new timestamp', async () => {
    const { lookup, calls } = lookupOver(new Map())
    const dedupe = createDedupe({ windowPerDevice: 8, lookup })
    expect(await dedupe.fresh('d', [r(0, 1000)])).toHaveLength(1)
    expect(await dedupe.fresh('d', [r(0, 1000)])).toHaveLength(0)
    expect(await dedupe.fresh('d', [r(0, 9000)])).toHaveLength(1)
    expect(await dedupe.fresh('other', [r(0, 1000)])).toHaveLength(1)
    expect(calls).toHaveLength(0) // the live path never queries the store
  })

  it('drops duplicates inside one batch', async () => {
    const dedupe = createDedupe({ windowPerDevice: 8, lookup: lookupOver(new Map()).lookup })
    expect(await dedupe.fresh('d', [r(1, 1), r(1, 1), r(2, 2)])).toEqual([r(1, 1), r(2, 2)])
  })

  it('asks the store about readings older than what the window covers', async () => {
    const stored = new Map([['d', [{ seq: 1, ts: 100 }]]])
    const { lookup, calls } = lookupOver(stored)
    const dedupe = createDedupe({ windowPerDevice: 2, lookup })
    for (let seq = 10; seq < 13; seq++) await dedupe.fresh('d', [r(seq, seq * 1000)]) // evicts seq 10 → floor 10000
    expect(await dedupe.fresh('d', [r(1, 100), r(2, 200)])).toEqual([r(2, 200)])
    expect(calls).toEqual([['d', 100, 200]])
  })

  it('survives a restart: the window is rebuilt from the store', async () => {
    const now = 1_000_000
    const stored = new Map([['d', [10, 11, 12, 13].map((seq) => ({ seq, ts: now - (20 - seq) * 1000 }))]])
    const { lookup, calls } = lookupOver(stored)
    const dedupe = createDedupe({ windowPerDevice: 2, lookup })
    expect(await dedupe.load(now, 60_000)).toBe(1)
    // the two newest are in memory
    expect(await dedupe.fresh('d', [r(13, now - 7000)])).toHaveLength(0)
    expect(calls).toHaveLength(0)
    // an older stored one is found in the store; a new one passes without a query
    expect(await dedupe.fresh('d', [r(10, now - 10_000)])).toHaveLength(0)
    expect(await dedupe.fresh('d', [r(14, now)])).toHaveLength(1)
    expect(calls).toHaveLength(1)
  })

  it('checks devices unseen since start against the store only for readings before the lookback', async () => {
    const { lookup, calls } = lookupOver(new Map([['old', [{ seq: 5, ts: 10 }]]]))
    const dedupe = createDedupe({ windowPerDevice: 4, lookup })
    await dedupe.load(1_000_000, 1000)
    expect(await dedupe.fresh('new', [r(1, 999_999)])).toHaveLength(1)
    expect(calls).toHaveLength(0)
    expect(await dedupe.fresh('old', [r(5, 10)])).toHaveLength(0)
    expect(calls).toHaveLength(1)
  })
})
