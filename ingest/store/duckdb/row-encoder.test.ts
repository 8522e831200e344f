import { describe, expect, it } from 'vitest'
import type { StoredReading } from '../store.js'
import { RowEncoder } from './row-encoder.js'

/** The format as ingest-log.ts documents it, written the obvious way. */
const reference = (rows: readonly StoredReading[]) =>
  rows
    .map(
      (r) => `${r.deviceId},${r.metric},${Math.round(r.ts * 1000)},${r.value},${r.seq},${r.quality ?? ''}\n`,
    )
    .join('')

const row = (value: number, over: Partial<StoredReading> = {}): StoredReading => ({
  deviceId: 'paddy-001',
  metric: 'water_depth_cm',
  ts: 1_782_864_000_123,
  value,
  seq: 42,
  ...over,
})

describe('row encoder', () => {
  it('writes what the template would, for the numbers that differ in how they print', () => {
    const values = [
      0,
      -0,
      7,
      -7,
      10,
      100,
      12.5,
      -3.25,
      0.1 + 0.2,
      1e-7,
      123456789012345,
      -(2 ** 53 - 1),
      2 ** 53,
      1e21,
      -1e21,
      5e-324,
      Number.MAX_VALUE,
      65,
    ]
    const rows = values.map((v, i) => row(v, { seq: i, ts: 1_782_864_000_000 + i }))
    expect(new RowEncoder().encode(rows).toString()).toBe(reference(rows))
  })

  it('writes fractional ms, seq 0 and the largest seq, quality flags and UTF-8 ids', () => {
    const rows = [
      row(1, { ts: 1_782_864_000_000.5, seq: 0 }),
      row(2, { ts: 1, seq: 4_294_967_295, quality: 'maintenance' }),
      row(3, { deviceId: '水田-1', metric: 'battery_v' }),
      // ASCII first, then a character that is not: written again from the start as UTF-8
      row(4, { deviceId: 'paddy-水田', quality: 'ré' }),
    ]
    expect(new RowEncoder().encode(rows).toString()).toBe(reference(rows))
  })

  it('grows past its first buffer and starts over on every batch', () => {
    const encoder = new RowEncoder(16)
    const many = Array.from({ length: 500 }, (_, i) => row(i / 7, { seq: i, deviceId: `dev-${i % 13}` }))
    expect(encoder.encode(many).toString()).toBe(reference(many))
    const one = [row(9)]
    expect(encoder.encode(one).toString()).toBe(reference(one))
  })

  it('agrees with the template on random rows', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const kind = i % 4
      const value =
        kind === 0
          ? Math.round((random() - 0.5) * 2000)
          : kind === 1
            ? (random() - 0.5) * 10 ** Math.floor(random() * 30 - 10)
            : kind === 2
              ? Math.round(random() * 1000) / 100
              : Math.floor(random() * 2 ** 53)
      return row(value, {
        seq: Math.floor(random() * 2 ** 32),
        ts: 1_700_000_000_000 + Math.floor(random() * 1e11),
      })
    })
    expect(new RowEncoder(64).encode(rows).toString()).toBe(reference(rows))
  })

  it('writes values with up to three decimals as the template does, and the near misses too', () => {
    let seed = 11
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const values = [0.1, 0.2, 0.1 + 0.2, 1.005, 2.675, 0.001, -0.05, 999.999, 4503599627370495.5, 1e-7]
    for (let i = 0; i < 20_000; i++) {
      const decimals = 10 ** (i % 4)
      const magnitude = 10 ** Math.floor(random() * 18 - 3)
      const sign = random() < 0.3 ? -1 : 1
      const value = (sign * Math.round(random() * magnitude * decimals)) / decimals
      values.push(value, value + 1e-9, value * (1 + Number.EPSILON))
    }
    const rows = values.map((v, i) => row(v, { seq: i }))
    expect(new RowEncoder(64).encode(rows).toString()).toBe(reference(rows))
  })
})
