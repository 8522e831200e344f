import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createCoalescer, type ReadingFrame } from './coalesce.js'

describe('live frame coalescer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }))
  afterEach(() => vi.useRealTimers())

  const frame = (deviceId: string, ts: number, m: Record<string, number>): ReadingFrame => ({
    deviceId,
    ts,
    seq: ts,
    m,
  })

  it('sends the first frame at once and merges a storm into one frame per interval', () => {
    const sent: ReadingFrame[] = []
    const coalescer = createCoalescer(
      250,
      (f) => sent.push(f),
      () => Date.now(),
    )
    coalescer.push(frame('a', 1, { x: 1 }))
    expect(sent).toHaveLength(1)
    for (let i = 2; i <= 100; i++) coalescer.push(frame('a', i, { x: i, ...(i === 50 ? { y: 5 } : {}) }))
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(250)
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual({ deviceId: 'a', ts: 100, seq: 100, m: { x: 100, y: 5 } })
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(2)
    coalescer.stop()
  })

  it('keeps devices independent', () => {
    const sent: ReadingFrame[] = []
    const coalescer = createCoalescer(
      250,
      (f) => sent.push(f),
      () => Date.now(),
    )
    coalescer.push(frame('a', 1, { x: 1 }))
    coalescer.push(frame('b', 1, { x: 2 }))
    expect(sent.map((f) => f.deviceId)).toEqual(['a', 'b'])
    coalescer.stop()
  })

  it('does not let an older late reading overwrite newer values', () => {
    const sent: ReadingFrame[] = []
    const coalescer = createCoalescer(
      250,
      (f) => sent.push(f),
      () => Date.now(),
    )
    coalescer.push(frame('a', 10, { x: 10 }))
    coalescer.push(frame('a', 20, { x: 20 }))
    coalescer.push(frame('a', 5, { x: 5, z: 1 }))
    vi.advanceTimersByTime(250)
    expect(sent[1]).toEqual({ deviceId: 'a', ts: 20, seq: 20, m: { x: 20, z: 1 } })
    coalescer.stop()
  })
})
