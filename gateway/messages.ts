/**
 * Turning outbox entries into MQTT messages for the centre. Live readings go one per message
 * (`{ts, seq, m}`) so the centre treats them as live; the backlog goes as `{ "batch": [...] }`
 * per device, with original ts and seq, which the centre stores and evaluates as late data.
 */
import { MAX_BATCH_READINGS, telemetryTopic } from '../firmware-contracts/index.js'
import type { OutboxEntry } from './outbox-reader.js'
import type { ReadingRecord } from './record.js'

export interface OutgoingMessage {
  deviceId: string
  topic: string
  payload: Buffer
  /** Outbox indices the centre's PUBACK for this message settles. */
  indices: number[]
}

const readingJson = (r: ReadingRecord) => JSON.stringify({ ts: r.ts, seq: r.seq, m: r.m })

class BatchBuilder {
  readonly #parts: string[] = []
  readonly #indices: number[] = []
  #bytes = '{"batch":[]}'.length

  constructor(
    readonly deviceId: string,
    private readonly maxBytes: number,
  ) {}

  get empty(): boolean {
    return this.#parts.length === 0
  }

  /** Adds the reading unless the batch would grow past its byte or reading cap. */
  tryAdd(index: number, record: ReadingRecord): boolean {
    const json = readingJson(record)
    const bytes = json.length + (this.#parts.length > 0 ? 1 : 0)
    if (!this.empty && (this.#bytes + bytes > this.maxBytes || this.#parts.length >= MAX_BATCH_READINGS))
      return false
    this.#parts.push(json)
    this.#indices.push(index)
    this.#bytes += bytes
    return true
  }

  build(): OutgoingMessage {
    return {
      deviceId: this.deviceId,
      topic: telemetryTopic(this.deviceId),
      payload: Buffer.from(`{"batch":[${this.#parts.join(',')}]}`, 'utf8'),
      indices: [...this.#indices],
    }
  }
}

const alone = (entry: OutboxEntry): OutgoingMessage => {
  const { record } = entry
  return {
    deviceId: record.deviceId,
    topic: telemetryTopic(record.deviceId),
    payload: record.type === 'raw' ? record.payload : Buffer.from(readingJson(record), 'utf8'),
    indices: [entry.index],
  }
}

/**
 * Backlog entries grouped per device into batches (at most `maxBytes` and 1000 readings each),
 * devices in the order of their oldest entry; an unparsable payload goes alone, unchanged.
 */
export function backfillMessages(entries: readonly OutboxEntry[], maxBytes: number): OutgoingMessage[] {
  const out: OutgoingMessage[] = []
  const open = new Map<string, BatchBuilder>()
  for (const entry of entries) {
    const { record } = entry
    if (record.type === 'raw') {
      out.push(alone(entry))
      continue
    }
    let builder = open.get(record.deviceId)
    if (builder && !builder.tryAdd(entry.index, record)) {
      out.push(builder.build())
      builder = undefined
    }
    if (!builder) {
      builder = new BatchBuilder(record.deviceId, maxBytes)
      builder.tryAdd(entry.index, record)
      open.set(record.deviceId, builder)
    }
  }
  for (const builder of open.values()) out.push(builder.build())
  return out
}

/**
 * Live entries: one message per reading, except runs of readings a device itself sent as a
 * batch (its own buffer after an outage), which stay batched and so stay marked as late.
 */
export function liveMessages(entries: readonly OutboxEntry[], maxBytes: number): OutgoingMessage[] {
  const out: OutgoingMessage[] = []
  let builder: BatchBuilder | undefined
  const close = () => {
    if (builder && !builder.empty) out.push(builder.build())
    builder = undefined
  }
  for (const entry of entries) {
    const { record } = entry
    if (record.type === 'raw' || !record.batch) {
      close()
      out.push(alone(entry))
      continue
    }
    if (builder && builder.deviceId !== record.deviceId) close()
    if (builder?.tryAdd(entry.index, record)) continue
    close()
    builder = new BatchBuilder(record.deviceId, maxBytes)
    builder.tryAdd(entry.index, record)
  }
  close()
  return out
}

/** Readings per second with a burst of one second's worth. */
export class TokenBucket {
  #tokens: number
  #at: number

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = Math.max(1, rate / 10)
    this.#at = now()
  }

  /** Whole tokens available now (at most one second's worth). */
  available(): number {
    const now = this.now()
    this.#tokens = Math.min(Math.max(this.rate, 1), this.#tokens + ((now - this.#at) / 1000) * this.rate)
    this.#at = now
    return Math.floor(this.#tokens)
  }

  take(n: number): void {
    this.#tokens -= n
  }
}
