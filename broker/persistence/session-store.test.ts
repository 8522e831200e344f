import assert from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { openJournal } from './journal.js'
import { SessionStore } from './session-store.js'

const require = createRequire(import.meta.url)
const abstractPersistence = require('aedes-persistence/abstract.js') as (opts: unknown) => void

const log = pino({ level: 'silent' })

describe('SessionStore passes the aedes-persistence abstract suite', () => {
  // node:test's context: assert (loose, as in the suite) and no-op diagnostics and plans
  const context = { assert, diagnostic() {}, plan() {} }
  abstractPersistence({
    test: (name: string, fn: (t: typeof context) => Promise<void>) => it(name, () => fn(context)),
    persistence: () => new SessionStore({ maxQueued: 10_000 }),
    testAsync: true,
  })
})

describe('SessionStore with a journal', () => {
  it('restores retained messages, subscriptions, queues, inbound QoS 2 and wills after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-journal-'))
    try {
      const broker = { id: 'b1' }
      const first = new SessionStore({ maxQueued: 2, journal: openJournal(dir, { fsync: false, log }) })
      await first.setup(broker)
      const payload = Buffer.from([0, 1, 2, 255])
      await first.storeRetained({ cmd: 'publish', topic: 'a/b', payload, qos: 1, retain: true })
      await first.storeRetained({ cmd: 'publish', topic: 'a/c', payload, qos: 0, retain: true })
      await first.storeRetained({
        cmd: 'publish',
        topic: 'a/c',
        payload: Buffer.alloc(0),
        qos: 0,
        retain: true,
      })
      await first.addSubscriptions({ id: 'c1' }, [{ topic: 'a/+', qos: 1 }])
      const drops: string[] = []
      const packet = (n: number) => ({
        cmd: 'publish',
        topic: 'a/x',
        payload: Buffer.from(`m${n}`),
        qos: 1,
        brokerId: 'b1',
        brokerCounter: n,
      })
      await first.outgoingEnqueueCombi([{ clientId: 'c1' }], packet(1))
      await first.outgoingUpdate({ id: 'c1' }, { ...packet(1), messageId: 7 })
      await first.outgoingEnqueueCombi([{ clientId: 'c1' }], packet(2))
      await first.incomingStorePacket(
        { id: 'c2' },
        { cmd: 'publish', topic: 'q', payload, qos: 2, messageId: 9 },
      )
      await first.putWill({ id: 'c3' }, { topic: 'w', payload, qos: 1, retain: true })
      await first.destroy()

      const second = new SessionStore({
        maxQueued: 2,
        journal: openJournal(dir, { fsync: false, log }),
        onDrop: (_r, id) => drops.push(id),
      })
      await second.setup({ id: 'b2' })
      expect([...second.retained.keys()]).toEqual(['a/b'])
      expect(second.retained.get('a/b')?.payload).toEqual(payload)
      expect(await second.subscriptionsByClient({ id: 'c1' })).toMatchObject([{ topic: 'a/+', qos: 1 }])
      expect(await second.subscriptionsByTopic('a/z')).toMatchObject([{ clientId: 'c1', qos: 1 }])
      const queued = await second.outgoingStream({ id: 'c1' }).toArray()
      expect(queued.map((p) => [p.payload.toString(), p.messageId])).toEqual([
        ['m1', 7],
        ['m2', undefined],
      ])
      // the queue is bounded: a third message for c1 is dropped and counted
      await second.outgoingEnqueueCombi([{ clientId: 'c1' }], packet(3))
      expect(drops).toEqual(['c1'])
      expect((await second.incomingGetPacket({ id: 'c2' }, { messageId: 9 })).payload).toEqual(payload)
      expect(await second.getWill({ id: 'c3' })).toMatchObject({ topic: 'w', brokerId: 'b1', clientId: 'c3' })
      expect(second.stats()).toEqual({ retained: 1, queued: 2, sessions: 1 })
      await second.destroy()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
