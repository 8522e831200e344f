import { describe, expect, it } from 'vitest'
import { checkMeasurement, groupIntoPoints, toPoint } from './line-protocol.js'

const T0 = Date.UTC(2026, 6, 1)
const settings = { convertTime: (t: unknown) => String(t) }

describe('line protocol layout', () => {
  it('groups the metrics of one device and timestamp into one point with its seq', () => {
    const { points } = groupIntoPoints([
      { deviceId: 'p-1', metric: 'water_depth_cm', ts: T0, value: 12.5, seq: 7 },
      { deviceId: 'p-1', metric: 'water_temp_c', ts: T0, value: 18, seq: 7 },
      { deviceId: 'p-2', metric: 'water_depth_cm', ts: T0, value: 3, seq: 1 },
      { deviceId: 'p-1', metric: 'water_depth_cm', ts: T0 + 60_000, value: 12, seq: 8 },
    ])
    expect(points.map((p) => toPoint(p, 'mimamori').toLineProtocol(settings))).toEqual([
      `mimamori,device=p-1 _seq=7i,water_depth_cm=12.5,water_temp_c=18 ${T0}`,
      `mimamori,device=p-2 _seq=1i,water_depth_cm=3 ${T0}`,
      `mimamori,device=p-1 _seq=8i,water_depth_cm=12 ${T0 + 60_000}`,
    ])
  })

  it('lets the later row win when two readings share device and ts, as the TSDB would', () => {
    const { points } = groupIntoPoints([
      { deviceId: 'p-1', metric: 'water_depth_cm', ts: T0, value: 1, seq: 1 },
      { deviceId: 'p-1', metric: 'water_depth_cm', ts: T0, value: 2, seq: 2 },
    ])
    expect(points).toHaveLength(1)
    expect(points[0]?.seq).toBe(2)
    expect(points[0]?.fields.get('water_depth_cm')).toBe(2)
  })

  it('keeps a metric named seq apart from the stored seq field', () => {
    const { points } = groupIntoPoints([{ deviceId: 'd', metric: 'seq', ts: T0, value: 99, seq: 5 }])
    expect(toPoint(points[0] as never, 'mimamori').toLineProtocol(settings)).toBe(
      `mimamori,device=d _seq=5i,seq=99 ${T0}`,
    )
  })

  it('writes whole milliseconds, a full uint32 seq and escapes tag values', () => {
    const { points } = groupIntoPoints([
      { deviceId: 'a b,c', metric: 'battery_v', ts: T0 + 0.7, value: 3.3, seq: 4294967295 },
    ])
    expect(toPoint(points[0] as never, 'mimamori').toLineProtocol(settings)).toBe(
      `mimamori,device=a\\ b\\,c _seq=4294967295i,battery_v=3.3 ${T0}`,
    )
  })

  it('skips and counts non-finite values instead of failing the batch', () => {
    const { points, skipped } = groupIntoPoints([
      { deviceId: 'd', metric: 'a', ts: T0, value: Number.NaN, seq: 1 },
      { deviceId: 'd', metric: 'b', ts: T0, value: 2, seq: 1 },
    ])
    expect(skipped).toBe(1)
    expect([...(points[0]?.fields.keys() ?? [])]).toEqual(['b'])
  })

  it('accepts only snake_case measurements, since they go into PromQL regexes', () => {
    expect(checkMeasurement('mimamori')).toBe('mimamori')
    expect(() => checkMeasurement('mi.ma')).toThrow(/snake_case/)
  })
})
