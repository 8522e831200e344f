import { Counter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { tally } from './tally.js'

describe('tally', () => {
  it('shows every count at the next scrape, per label set, and keeps an existing collect', async () => {
    const registry = new Registry()
    let collected = 0
    const counter = new Counter({
      name: 't_total',
      help: 'h',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        collected++
      },
    })
    const t = tally(counter)
    const ok = t.child({ result: 'ok' })
    const bad = t.child({ result: 'bad' })
    ok.inc()
    ok.inc(4)
    bad.inc()
    const text = await registry.metrics()
    expect(text).toContain('t_total{result="ok"} 5')
    expect(text).toContain('t_total{result="bad"} 1')
    ok.inc()
    expect((await counter.get()).values.find((v) => v.labels.result === 'ok')?.value).toBe(6)
    expect(collected).toBe(2)
  })
})
