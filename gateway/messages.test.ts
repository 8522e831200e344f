import { describe, expect, it } from 'vitest'
import { BatchSchema, ReadingSchema } from '../firmware-contracts/index.js'
import { backfillMessages, liveMessages, TokenBucket } from './messages.js'
import type { OutboxEntry } from './outbox-reader.js'

const T0 = 1_782_864_000_000
const entry = (index: number, deviceId: string, batch = false): OutboxEntry => ({
  index,
  record: {
    type: 'reading',
    deviceId,
    ts: T0 + index * 1000,
    seq: index,
    m: { water_depth_cm: 7.5 },
    ...(batch ? { batch } : {}),
  },
})

describe('backfill messages', () => {
  it('batches per device with original ts and seq, oldest device first, under the byte cap', () => {
    const entries = [entry(0, 'b'), entry(1, 'a'), entry(2, 'b'), entry(3, 'a'), entry(4, 'b')]
    const messages = backfillMessages(entries, 15_000)
    expect(messages.map((m) => [m.topic, m.indices])).toEqual([
      ['v1/devices/b/telemetry', [0, 2, 4]],
      ['v1/devices/a/telemetry', [1, 3]],
    ])
    const batch = BatchSchema.parse(JSON.parse((messages[0] as { payload: Buffer }).payload.toString()))
    expect(batch.batch.map((r) => [r.seq, r.ts])).toEqual([
      [0, T0],
      [2, T0 + 2000],
      [4, T0 + 4000],
    ])
  })

  it('splits a long backlog at the byte cap and at 1000 readings', () => {
    const many = Array.from({ length: 2500 }, (_, i) => entry(i, 'a'))
    const bySize = backfillMessages(many, 2048)
    expect(bySize.every((m) => m.payload.length <= 2048)).toBe(true)
    expect(bySize.flatMap((m) => m.indices)).toEqual(many.map((e) => e.index))
    const byCount = backfillMessages(many, 1_000_000)
    expect(byCount.map((m) => m.indices.length)).toEqual([1000, 1000, 500])
  })

  it('sends an unparsable payload alone and unchanged', () => {
    const raw: OutboxEntry = {
      index: 1,
      record: { type: 'raw', deviceId: 'a', payload: Buffer.from('{"ts":') },
    }
    const messages = backfillMessages([entry(0, 'a'), raw, entry(2, 'a')], 15_000)
    expect(messages.map((m) => m.indices)).toEqual([[1], [0, 2]])
    expect(messages[0]?.payload.toString()).toBe('{"ts":')
  })
})

describe('live messages', () => {
  it('sends each live reading alone, but keeps a device’s own batch together', () => {
    const entries = [entry(0, 'a'), entry(1, 'b', true), entry(2, 'b', true), entry(3, 'a')]
    const messages = liveMessages(entries, 15_000)
    expect(messages.map((m) => m.indices)).toEqual([[0], [1, 2], [3]])
    expect(ReadingSchema.safeParse(JSON.parse(messages[0]?.payload.toString() as string)).success).toBe(true)
    expect(BatchSchema.safeParse(JSON.parse(messages[1]?.payload.toString() as string)).success).toBe(true)
  })
})

describe('TokenBucket', () => {
  it('paces readings per second with at most one second of burst', () => {
    let now = 0
    const bucket = new TokenBucket(200, () => now)
    expect(bucket.available()).toBe(20)
    bucket.take(20)
    now += 100
    expect(bucket.available()).toBe(20)
    now += 60_000
    expect(bucket.available()).toBe(200)
    bucket.take(200)
    expect(bucket.available()).toBe(0)
  })
})
