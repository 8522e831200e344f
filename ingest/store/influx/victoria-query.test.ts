import { describe, expect, it } from 'vitest'
import type { BucketPoint } from '../store.js'
import {
  aggregatesQuery,
  collectBuckets,
  completeBuckets,
  metricOf,
  metricSelector,
  parseExportLine,
  planBuckets,
  readingsSelector,
  samples,
} from './victoria-query.js'
import { scanSelector } from './victoria-scan.js'

describe('VictoriaMetrics query helpers', () => {
  it('selects one series by exact name and device, quoting values', () => {
    expect(metricSelector('mimamori', 'water_depth_cm', 'p-1')).toBe(
      '{__name__="mimamori_water_depth_cm",device="p-1"}',
    )
    expect(metricSelector('mimamori', '_seq')).toBe('{__name__="mimamori__seq",device!=""}')
    expect(metricSelector('m', 'x', 'a"b')).toBe('{__name__="m_x",device="a\\"b"}')
  })

  it('selects every metric series but not the seq series, only where a device label exists', () => {
    expect(readingsSelector('mimamori')).toBe(
      '{__name__=~"mimamori_.+",__name__!="mimamori__seq",device!=""}',
    )
    expect(metricOf('mimamori_water_depth_cm', 'mimamori')).toBe('water_depth_cm')
    expect(metricOf('mimamori__seq', 'mimamori')).toBeUndefined()
    expect(metricOf('other_x', 'mimamori')).toBeUndefined()
  })

  it('asks for all five aggregates in one union, shifted by a negative offset', () => {
    const q = aggregatesQuery('{__name__="m_x"}', 60_000, 90_000)
    expect(q).toContain('label_set(min_over_time({__name__="m_x"}[60000ms] offset -90000ms),"agg","min")')
    expect(q).toContain('count_over_time(')
    expect(aggregatesQuery('s', 10)).not.toContain('offset')
  })

  it('splits a range into whole buckets and exact partial buckets at its ends', () => {
    expect(planBuckets(0, 5999, 1000)).toEqual({ full: { first: 0, last: 5000 }, edges: [] })
    expect(planBuckets(500, 5200, 1000)).toEqual({
      full: { first: 1000, last: 4000 },
      edges: [
        { bucket: 0, from: 500, to: 999 },
        { bucket: 5000, from: 5000, to: 5200 },
      ],
    })
    expect(planBuckets(1200, 1300, 1000)).toEqual({ edges: [{ bucket: 1000, from: 1200, to: 1300 }] })
    expect(planBuckets(10, 5, 1000)).toEqual({ edges: [] })
  })

  it('folds union answers into buckets and drops buckets without samples', () => {
    const found = new Map<number, Partial<BucketPoint>>()
    const at = (t: number, v: string): [number, string] => [t / 1000, v]
    collectBuckets(
      [
        { metric: { agg: 'min' }, values: [at(999, '1'), at(1999, '5')] },
        { metric: { agg: 'max' }, values: [at(999, '3')] },
        { metric: { agg: 'avg' }, values: [at(999, '2')] },
        { metric: { agg: 'last' }, values: [at(999, '3')] },
        { metric: { agg: 'count' }, values: [at(999, '3')] },
      ],
      (t) => t - 999,
      found,
    )
    expect(completeBuckets(found)).toEqual([{ ts: 0, min: 1, max: 3, avg: 2, last: 3, count: 3 }])
  })

  it('reads export lines and skips NaN samples', () => {
    const line = parseExportLine(
      '{"metric":{"__name__":"m_x","device":"d"},"values":[1,null,2.5],"timestamps":[10,20,30]}',
    )
    expect([...samples(line as never)]).toEqual([
      { ts: 10, value: 1 },
      { ts: 30, value: 2.5 },
    ])
    expect(parseExportLine('')).toBeUndefined()
    expect(() => parseExportLine('{"x":1}')).toThrow(/unexpected export line/)
  })

  it('scans the metric and seq series of the listed devices with one selector', () => {
    expect(
      scanSelector('mimamori', { deviceIds: ['p-1', 'p.2'], metric: 'water_depth_cm', from: 0, to: 1 }),
    ).toBe('{__name__=~"mimamori_(?:water_depth_cm|_seq)",device=~"p-1|p\\\\.2"}')
  })
})
