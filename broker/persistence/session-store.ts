/**
 * aedes persistence (the aedes-persistence 11 interface): retained messages, persistent sessions
 * (subscriptions, queued QoS 1/2), inbound QoS 2 state and wills. State lives in memory with the
 * semantics of aedes-persistence's memory store (checked by its own abstract suite in
 * session-store.test.ts); every change can also be appended to a journal (journal.ts) so that it
 * survives a restart. Differences on purpose:
 * - each session's queue is bounded (`maxQueued`, like mosquitto's max_queued_messages): beyond
 *   it new messages for that session are dropped and counted;
 * - a subscription to a topic without wildcards finds its retained message by key, not by a scan.
 */
import { Readable } from 'node:stream'
import { topicMatches } from '../topic-match.js'
import type { Journal, Op } from './journal.js'
import type { StoredPacket } from './packets.js'
import { SessionState, type Sub } from './session-state.js'

interface ClientRef {
  id: string
}

export interface SessionStoreOptions {
  maxQueued: number
  journal?: Journal
  onDrop?: (reason: 'queue_full', clientId: string) => void
}

const hasWildcard = (filter: string) => filter.includes('+') || filter.includes('#')

export class SessionStore extends SessionState {
  // biome-ignore lint/suspicious/noExplicitAny: the aedes instance (or the abstract suite's fake)
  broker: any
  private lastWrite: Promise<void> = Promise.resolve()

  constructor(private readonly options: SessionStoreOptions) {
    super(options.maxQueued, options.onDrop)
  }

  async setup(broker: unknown): Promise<void> {
    this.broker = broker
    const journal = this.options.journal
    if (!journal) return
    this.replaying = true
    try {
      for (const op of journal.replay()) this.apply(op)
    } finally {
      this.replaying = false
    }
    journal.compact(this.snapshot())
  }

  /**
   * Journals a change. Only inbound QoS 2 state waits for the write (PUBREC follows it); other
   * changes resolve at once, in memory order, so that a slow disk cannot reorder deliveries
   * (MQTT-4.6.0-6); the journal writes them in the same order a moment later.
   */
  private commit(op: Op): Promise<void> {
    const journal = this.options.journal
    if (!journal) return Promise.resolve()
    const written = journal.append(op, () => this.snapshot())
    this.lastWrite = written
    if (op.o === 'is') return written
    written.catch(() => {}) // the journal logs write errors
    return Promise.resolve()
  }

  /** Resolves once every change so far is written to the journal (appends complete in order). */
  settled(): Promise<void> {
    return this.lastWrite
  }

  // ---- the aedes persistence interface ----

  async storeRetained(packet: StoredPacket) {
    await this.commitApplied({ o: 'r', p: { ...packet } })
  }

  hasRetained(topic: string) {
    return this.retained.has(topic)
  }

  createRetainedStreamCombi(patterns: string[]) {
    const retained = this.retained
    function* matching() {
      for (const pattern of patterns) {
        if (!hasWildcard(pattern)) {
          const packet = retained.get(pattern)
          if (packet) yield packet
          continue
        }
        for (const [topic, packet] of retained) if (topicMatches(pattern, topic)) yield packet
      }
    }
    return Readable.from(matching())
  }

  createRetainedStream(pattern: string) {
    return this.createRetainedStreamCombi([pattern])
  }

  async addSubscriptions(client: ClientRef, subs: Sub[]) {
    await this.commitApplied({ o: 'sa', c: client.id, s: subs.map((s) => ({ ...s })) })
  }

  async removeSubscriptions(client: ClientRef, topics: string[]) {
    if (!this.subs.has(client.id)) return
    await this.commitApplied({ o: 'sr', c: client.id, t: [...topics] })
  }

  async subscriptionsByClient(client: ClientRef) {
    return [...(this.subs.get(client.id) ?? [])].map(([topic, rec]) => ({ topic, ...rec }))
  }

  async countOffline() {
    return { subsCount: this.trie.subscriptionsCount as number, clientsCount: this.subs.size }
  }

  /** Every topic filter a stored session subscribes to (restored from the journal at setup). */
  filters(): Set<string> {
    const all = new Set<string>()
    for (const subs of this.subs.values()) for (const filter of subs.keys()) all.add(filter)
    return all
  }

  async subscriptionsByTopic(topic: string) {
    return this.trie.match(topic)
  }

  async cleanSubscriptions(client: ClientRef) {
    if (!this.subs.has(client.id)) return
    await this.commitApplied({ o: 'sc', c: client.id })
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket) {
    await this.commitApplied({ o: 'oe', c: [sub.clientId], p: packet })
  }

  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: StoredPacket) {
    if (!subs || subs.length === 0) return
    await this.commitApplied({ o: 'oe', c: subs.map((s) => s.clientId), p: packet })
  }

  async outgoingUpdate(client: ClientRef, packet: StoredPacket) {
    if (!this.apply({ o: 'ou', c: client.id, p: packet })) throw new Error('no such packet')
    await this.commit({ o: 'ou', c: client.id, p: packet })
  }

  async outgoingClearMessageId(client: ClientRef, packet: StoredPacket | number) {
    const messageId = typeof packet === 'number' ? packet : packet.messageId
    const removed = this.apply({ o: 'oc', c: client.id, m: messageId as number }) as StoredPacket | undefined
    if (removed) await this.commit({ o: 'oc', c: client.id, m: messageId as number })
    return removed
  }

  outgoingStream(client: ClientRef) {
    return Readable.from([...(this.outgoing.get(client.id) ?? [])])
  }

  async incomingStorePacket(client: ClientRef, packet: StoredPacket) {
    await this.commitApplied({ o: 'is', c: client.id, p: packet })
  }

  async incomingGetPacket(client: ClientRef, packet: StoredPacket) {
    const stored = this.incoming.get(client.id)?.get(packet.messageId as number)
    if (!stored) throw new Error('no such packet')
    return stored
  }

  async incomingDelPacket(client: ClientRef, packet: StoredPacket) {
    if (!this.apply({ o: 'id', c: client.id, m: packet.messageId as number }))
      throw new Error('no such packet')
    await this.commit({ o: 'id', c: client.id, m: packet.messageId as number })
  }

  async cleanIncoming(client: ClientRef) {
    if (!this.incoming.has(client.id)) return
    await this.commitApplied({ o: 'ic', c: client.id })
  }

  async putWill(client: ClientRef, packet: StoredPacket) {
    packet.brokerId = this.broker?.id
    packet.clientId = client.id
    await this.commitApplied({ o: 'wp', c: client.id, p: packet })
  }

  async getWill(client: ClientRef) {
    return this.wills.get(client.id)
  }

  async delWill(client: ClientRef) {
    const will = this.wills.get(client.id)
    if (will) await this.commitApplied({ o: 'wd', c: client.id })
    return will
  }

  streamWill(brokers: Record<string, unknown> = {}) {
    return Readable.from([...this.wills.values()].filter((w) => !brokers[w.brokerId]))
  }

  getClientList(topic: string) {
    return Readable.from([...this.subs].filter(([, stored]) => stored.has(topic)).map(([id]) => id))
  }

  async destroy() {
    await this.options.journal?.close()
  }

  private commitApplied(op: Op) {
    this.apply(op)
    return this.commit(op)
  }
}
