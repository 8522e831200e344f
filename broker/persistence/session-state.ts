/**
 * The in-memory state of the session store: retained messages, persistent sessions (subscriptions
 * and queued QoS 1/2), inbound QoS 2 and wills, changed only through `apply`, which the live
 * methods (session-store.ts) and the journal replay share.
 */
import QlobberSub from 'qlobber/aedes/qlobber-sub.js'
import type { Op } from './journal.js'
import { copyPacket, type StoredPacket } from './packets.js'

export interface SubRecord {
  qos: number
  rh?: number
  rap?: boolean
  nl?: boolean
  subscriptionIdentifier?: number
}
export type Sub = SubRecord & { topic: string }

export class SessionState {
  readonly retained = new Map<string, StoredPacket>()
  protected readonly subs = new Map<string, Map<string, SubRecord>>()
  protected readonly outgoing = new Map<string, StoredPacket[]>()
  protected readonly incoming = new Map<string, Map<number, StoredPacket>>()
  protected readonly wills = new Map<string, StoredPacket>()
  protected trie = new QlobberSub({ wildcard_one: '+', wildcard_some: '#', separator: '/' })
  protected queuedCount = 0
  protected replaying = false

  constructor(
    private readonly maxQueued: number,
    private readonly onDrop?: (reason: 'queue_full', clientId: string) => void,
  ) {}

  /** Sizes for /metrics. */
  stats() {
    return { retained: this.retained.size, queued: this.queuedCount, sessions: this.subs.size }
  }

  /** Applies one change to memory; the live methods and the journal replay share it. */
  protected apply(op: Op): unknown {
    switch (op.o) {
      case 'r':
        if ((op.p.payload?.length ?? 0) === 0) this.retained.delete(op.p.topic as string)
        else this.retained.set(op.p.topic as string, op.p)
        return undefined
      case 'sa':
        return this.addSubs(op.c, op.s)
      case 'sr':
        return this.removeSubs(op.c, op.t)
      case 'sc':
        return this.removeSubs(op.c, [...(this.subs.get(op.c)?.keys() ?? [])])
      case 'oe':
        for (const id of op.c) this.enqueue(id, copyPacket(op.p))
        return undefined
      case 'oq':
        return this.enqueue(op.c, op.p)
      case 'ou':
        return this.update(op.c, op.p)
      case 'oc':
        return this.clearMessageId(op.c, op.m)
      case 'is': {
        const store = this.incoming.get(op.c) ?? new Map<number, StoredPacket>()
        this.incoming.set(op.c, store)
        const packet = copyPacket(op.p)
        packet.messageId = op.p.messageId
        store.set(op.p.messageId as number, packet)
        return undefined
      }
      case 'id':
        return this.incoming.get(op.c)?.delete(op.m)
      case 'ic':
        return this.incoming.delete(op.c)
      case 'wp':
        this.wills.set(op.c, op.p)
        return undefined
      case 'wd':
        return this.wills.delete(op.c)
    }
  }

  protected addSubs(clientId: string, subs: readonly Sub[]) {
    let stored = this.subs.get(clientId)
    if (!stored) {
      stored = new Map()
      this.subs.set(clientId, stored)
    }
    for (const sub of subs) {
      const previous = stored.get(sub.topic)
      const record: SubRecord = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl } as SubRecord
      if (sub.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = sub.subscriptionIdentifier
      if (sub.qos > 0) {
        this.trie.add(sub.topic, {
          clientId,
          topic: sub.topic,
          qos: sub.qos,
          rh: sub.rh,
          rap: sub.rap,
          nl: sub.nl,
        })
      } else if ((previous?.qos ?? 0) > 0) {
        this.trie.remove(sub.topic, { clientId, topic: sub.topic })
      }
      stored.set(sub.topic, record)
    }
  }

  protected removeSubs(clientId: string, topics: readonly string[]) {
    const stored = this.subs.get(clientId)
    if (!stored) return
    for (const topic of topics) {
      const sub = stored.get(topic)
      if (sub === undefined) continue
      if (sub.qos > 0) this.trie.remove(topic, { clientId, topic })
      stored.delete(topic)
    }
    if (stored.size === 0) this.subs.delete(clientId)
  }

  protected enqueue(clientId: string, packet: StoredPacket) {
    let queue = this.outgoing.get(clientId)
    if (!queue) {
      queue = []
      this.outgoing.set(clientId, queue)
    }
    if (queue.length >= this.maxQueued) {
      if (!this.replaying) this.onDrop?.('queue_full', clientId)
      return false
    }
    queue.push(packet)
    this.queuedCount += 1
    return true
  }

  protected update(clientId: string, packet: StoredPacket) {
    const queue = this.outgoing.get(clientId) ?? []
    for (let i = 0; i < queue.length; i++) {
      const queued = queue[i] as StoredPacket
      if (queued.brokerId === packet.brokerId) {
        if (queued.brokerCounter === packet.brokerCounter) {
          queued.messageId = packet.messageId
          return true
        }
      } else if (queued.messageId === packet.messageId) {
        queue[i] = packet
        return true
      }
    }
    return false
  }

  protected clearMessageId(clientId: string, messageId: number) {
    const queue = this.outgoing.get(clientId)
    if (!queue) return undefined
    const i = queue.findIndex((p) => p.messageId === messageId)
    if (i < 0) return undefined
    const [removed] = queue.splice(i, 1)
    this.queuedCount -= 1
    if (queue.length === 0) this.outgoing.delete(clientId)
    return removed
  }

  /** Ops that rebuild the current state (journal compaction). */
  snapshot(): Op[] {
    const ops: Op[] = []
    for (const p of this.retained.values()) ops.push({ o: 'r', p })
    for (const [c, stored] of this.subs) {
      ops.push({ o: 'sa', c, s: [...stored].map(([topic, rec]) => ({ topic, ...rec })) })
    }
    for (const [c, queue] of this.outgoing) for (const p of queue) ops.push({ o: 'oq', c, p })
    for (const [c, store] of this.incoming) for (const p of store.values()) ops.push({ o: 'is', c, p })
    for (const [c, p] of this.wills) ops.push({ o: 'wp', c, p })
    return ops
  }
}
