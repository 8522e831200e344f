import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NewNotificationDeadLetter } from '../../store/meta-store.js'
import type { AlertEvent } from '../notifier.js'
import type { Target } from './contacts.js'
import { type ChannelSender, createDispatcher, type Delivery, PermanentDeliveryError } from './dispatcher.js'

const log = pino({ level: 'silent' })
const hook: Target = { channel: 'webhook', url: 'http://127.0.0.1:9/hook', label: 'city' }
const event = { event: 'raised', alert: { id: 3, escalationLevel: 0, message: 'm' } } as unknown as AlertEvent

function setup(
  send: (d: Delivery) => Promise<void>,
  retry = { maxAttempts: 4, baseMs: 1000, maxMs: 60_000, queueMax: 100 },
) {
  const attempts: Delivery[] = []
  const dead: NewNotificationDeadLetter[] = []
  const sender: ChannelSender = {
    channel: 'webhook',
    send: (d) => {
      attempts.push(d)
      return send(d)
    },
  }
  const dispatcher = createDispatcher({
    senders: [sender],
    route: () => [hook],
    deadLetters: {
      addNotificationDeadLetter: async (l) => void dead.push(l),
      listNotificationDeadLetters: async () => [],
    },
    retry,
    log,
    random: () => 1,
  })
  return { dispatcher, attempts, dead }
}

describe('notification dispatcher', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('retries with exponential backoff and the same idempotency key, then succeeds', async () => {
    let n = 0
    const { dispatcher, attempts, dead } = setup(async () => {
      if (++n < 3) throw new Error('503')
    })
    dispatcher.notify(event)
    await vi.advanceTimersByTimeAsync(0)
    expect(attempts).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(attempts).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempts).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(2000)
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3])
    expect(new Set(attempts.map((a) => a.idempotencyKey)).size).toBe(1)
    expect(dead).toEqual([])
    await dispatcher.idle()
  })

  it('dead-letters after the last attempt, and at once on a permanent refusal', async () => {
    const { dispatcher, attempts, dead } = setup(async () => {
      throw new Error('down')
    })
    dispatcher.notify(event)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(attempts).toHaveLength(4)
    expect(dead).toMatchObject([
      { alertId: 3, channel: 'webhook', attempts: 4, error: 'down', target: 'http://127.0.0.1:9/hook' },
    ])

    const refused = setup(async () => {
      throw new PermanentDeliveryError('webhook refused with 404')
    })
    refused.dispatcher.notify(event)
    await vi.advanceTimersByTimeAsync(0)
    expect(refused.attempts).toHaveLength(1)
    expect(refused.dead).toMatchObject([{ attempts: 1, error: 'webhook refused with 404' }])
  })

  it('never blocks the caller: notify returns before any receiver answers', () => {
    const { dispatcher, attempts } = setup(() => new Promise(() => {}))
    const started = performance.now()
    for (let i = 0; i < 50; i++) dispatcher.notify(event)
    expect(performance.now() - started).toBeLessThan(50)
    expect(attempts.length).toBeLessThanOrEqual(4) // four in flight per channel, the rest queued
    expect(dispatcher.pending()).toBe(50)
  })

  it('bounds the queue: beyond it deliveries are dead-lettered, not held in memory', async () => {
    const { dispatcher, dead } = setup(() => new Promise(() => {}), {
      maxAttempts: 3,
      baseMs: 1,
      maxMs: 1,
      queueMax: 10,
    })
    for (let i = 0; i < 15; i++) dispatcher.notify(event)
    await vi.advanceTimersByTimeAsync(0)
    expect(dispatcher.pending()).toBe(10)
    expect(dead.map((d) => d.error)).toEqual(Array(5).fill('queue full'))
  })

  it('dead-letters what still waits for a retry when it closes', async () => {
    const { dispatcher, dead } = setup(async () => {
      throw new Error('503')
    })
    dispatcher.notify(event)
    await vi.advanceTimersByTimeAsync(0)
    await dispatcher.close()
    expect(dead.map((d) => d.error)).toEqual(['shutdown'])
    expect(dispatcher.pending()).toBe(0)
  })
})
