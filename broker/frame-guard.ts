/**
 * A byte-cap guard between a socket and aedes (RELIABILITY.md item 19). aedes has no maximum
 * packet size (#831), so mqtt-packet would buffer whatever remaining length a client declares.
 * This stream reads only each packet's fixed header (and, for large PUBLISHes, the topic) and:
 * - closes at once when a declared size exceeds `maxPacketBytes` (no byte of it is buffered);
 * - for a device-contract topic whose payload is above its class cap (telemetry 16 KB, images
 *   2 MB) passes on the packet with the payload cut to cap + 1 bytes and drops the rest as it
 *   arrives, so ingest dead-letters it as `oversize` and acknowledges it (a persistent session
 *   must not resend a poison message forever, DESIGN.md "Refusals");
 * - for any other topic closes the connection above the cap.
 * Everything else passes through as the same buffers, so the cost is a few integer operations
 * per packet.
 *
 * Once a device is connected, its own telemetry can skip mqtt-packet and aedes altogether
 * (`direct`, set up by direct-telemetry.ts): a whole PUBLISH to that one topic, QoS 0 or 1 and not
 * retained, is handed over as its payload, and the guard writes the PUBACK when it is stored.
 */
import { Duplex } from 'node:stream'
import { CONTRACT_VERSION } from '../firmware-contracts/index.js'
import type { InFlightBudget } from './in-flight-budget.js'

export interface FrameCaps {
  /** Payload cap of every PUBLISH that is not a device image. */
  maxTelemetryBytes: number
  maxImageBytes: number
  maxTopicBytes: number
  /** Cap on the remaining length of anything that is not a PUBLISH (CONNECT with its will, SUBSCRIBE…). */
  maxControlBytes: number
  /** Any PUBLISH declaring more is closed at once; below it an oversize device payload is cut. */
  maxPacketBytes: number
}

/**
 * Takes a connection's own telemetry straight from its socket. Like aedes, the guard reads no
 * further from the socket until every message taken from the last read is settled, so a slow
 * store slows the publisher instead of queueing.
 */
export interface DirectPublish {
  /** The one topic taken, as bytes; any other goes to aedes. */
  readonly topic: Buffer
  /**
   * Undefined: aedes handles this one after all. Otherwise settles once the message may be
   * acknowledged; a rejection closes the connection without acknowledging it.
   */
  take(payload: Buffer, qos: 0 | 1): Promise<void> | undefined
  /** After each read that held taken packets (aedes refreshes its keepalive per packet it parses). */
  active(): void
  failed(err: unknown): void
  /** Shared by every connection: no read while too many taken messages are unsettled. */
  readonly budget?: InFlightBudget
}

export type GuardViolation = 'packet_too_large' | 'payload_too_large' | 'malformed_length'

export interface ConnectionInfo {
  ip: string
  listener: 'tcp' | 'tls' | 'ws' | 'wss'
  /** CN of a client certificate that the TLS layer verified against MQTT_TLS_CA. */
  certCommonName?: string
}

export interface GuardHooks {
  violation(guard: FrameGuard, reason: GuardViolation, detail: string): void
  bytesIn(n: number): void
  bytesOut(n: number): void
}

const PUBLISH = 3
/** Bytes handed to aedes per read; see the constructor. */
const READ_CHUNK_BYTES = 4096
const DEVICE_PREFIX = `${CONTRACT_VERSION}/devices/`
const IMAGE_TOPIC = new RegExp(`^${CONTRACT_VERSION}/devices/[^/]+/image/[^/]+$`)

function encodeLength(n: number): number[] {
  const bytes: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    bytes.push(byte)
  } while (n > 0)
  return bytes
}

enum State {
  Header = 0,
  Pass = 1,
  Hold = 2,
  Discard = 3,
}

export class FrameGuard extends Duplex {
  /** Declared payload sizes of PUBLISHes cut to cap + 1 bytes, oldest first (read by the hooks). */
  readonly truncated: number[] = []
  /** Set once the client is connected, when its telemetry may be taken directly. */
  direct: DirectPublish | undefined
  /** Messages taken directly and not yet settled: no socket read until this is 0. */
  private taken = 0
  /**
   * With the direct path on: the start of a packet the last read cut (at most a telemetry-sized
   * PUBLISH), scanned again with the next read so the packet is judged whole rather than handed
   * to aedes because a read boundary fell inside it (one in ~30 in a QoS 0 flood).
   */
  private carry: Buffer | undefined
  /** Bytes the carried packet still lacks: the next read waits for at least this many. */
  private carryNeed = 0
  /**
   * Message ids of stored QoS 1 messages whose PUBACK is still to be written: the first `ackCount`
   * of them (the array is reused, not replaced).
   */
  private acks: number[] = []
  private ackCount = 0
  private state = State.Header
  /**
   * The fixed header being read, the first `headerLength` bytes: kept, not a new array per packet
   * (a per-connection object replaced on every message outlives V8's young generation at 10k
   * devices, and each one makes the next scavenge longer).
   */
  private readonly header = new Uint8Array(5)
  private headerLength = 0
  private left = 0
  private discardAfter = 0
  private held: Buffer[] = []
  private heldBytes = 0
  private pendingWrite: ((err?: Error | null) => void) | undefined
  private wanted = false
  private corked = false
  private readonly uncorkInner = () => {
    this.corked = false
    this.inner.uncork()
  }

  constructor(
    readonly inner: Duplex,
    readonly info: ConnectionInfo,
    private readonly caps: FrameCaps,
    private readonly hooks: GuardHooks,
  ) {
    // a small read buffer: aedes parses whatever one read returns and handles those packets at
    // once, so this bounds each client's packets in progress (a QoS 0 flood made ~600 per
    // client per read and grew the server to 1.8 GB with 1000 clients; bench/RESULTS.md)
    super({ allowHalfOpen: false, readableHighWaterMark: READ_CHUNK_BYTES })
    // pull, like aedes reads a bare socket: a chunk is read only when aedes wants more, so the
    // guard adds no buffering of its own
    inner.on('readable', () => this.pull())
    inner.once('end', () => this.push(null))
    inner.on('error', (err) => this.destroy(err))
    inner.once('close', () => {
      this.releaseWrite(undefined)
      this.destroy()
    })
  }

  override _read(): void {
    this.wanted = true
    this.pull()
  }

  private readonly pullAgain = () => this.pull()

  private pull() {
    while (this.wanted && this.taken === 0 && !this.destroyed) {
      if (this.direct?.budget && !this.direct.budget.admit(this.pullAgain)) return
      const available = this.inner.readableLength
      // with a packet carried, read nothing until the rest of it is there (null until then): a
      // client dripping it byte by byte must not have the carry copied once per byte
      const chunk = (
        this.carryNeed > 0
          ? this.inner.read(Math.max(this.carryNeed, Math.min(available, READ_CHUNK_BYTES)))
          : available > READ_CHUNK_BYTES
            ? this.inner.read(READ_CHUNK_BYTES)
            : this.inner.read()
      ) as Buffer | null
      if (chunk === null) return
      this.carryNeed = 0
      this.hooks.bytesIn(chunk.length)
      const carried = this.carry
      this.carry = undefined
      const out = this.scan(carried ? Buffer.concat([carried, chunk]) : chunk)
      if (out === null) return
      for (const piece of out) if (!this.push(piece)) this.wanted = false
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hooks.bytesOut(chunk.length)
    // PUBACKs of one group commit resolve in the same tick: cork so they leave in one writev
    // instead of a syscall (and a loopback wake-up of the peer) per 4-byte packet
    if (!this.corked) {
      this.corked = true
      this.inner.cork()
      process.nextTick(this.uncorkInner)
    }
    if (this.inner.write(chunk)) {
      cb()
      return
    }
    this.pendingWrite = cb
    this.inner.once('drain', () => this.releaseWrite(null))
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    let ok = true
    if (!this.corked) {
      this.corked = true
      this.inner.cork()
      process.nextTick(this.uncorkInner)
    }
    for (const { chunk } of chunks) {
      this.hooks.bytesOut(chunk.length)
      ok = this.inner.write(chunk)
    }
    if (ok) {
      cb()
      return
    }
    this.pendingWrite = cb
    this.inner.once('drain', () => this.releaseWrite(null))
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end()
    cb()
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.direct?.budget?.forget(this.pullAgain)
    this.releaseWrite(err ?? undefined)
    this.inner.destroy()
    cb(err)
  }

  private readonly settled = () => {
    this.direct?.budget?.settled()
    if (--this.taken === 0 && !this.destroyed) this.pull()
  }

  /** The PUBACKs of one group commit, which resolve in the same tick, as one write. */
  private readonly writeAcks = () => {
    const ids = this.acks
    const count = this.ackCount
    this.ackCount = 0
    if (this.destroyed || this.writableEnded) return
    const bytes = Buffer.allocUnsafe(4 * count)
    for (let k = 0; k < count; k++) {
      const id = ids[k] as number
      bytes[4 * k] = 0x40 // PUBACK
      bytes[4 * k + 1] = 2
      bytes[4 * k + 2] = id >> 8
      bytes[4 * k + 3] = id & 0xff
    }
    this.write(bytes)
  }

  /**
   * Hands a whole PUBLISH to `direct` if it is the connection's telemetry topic. `at` is where its
   * variable header starts in `chunk`, `remaining` its remaining length; returns false to leave it
   * to aedes.
   */
  private takeDirect(
    direct: DirectPublish,
    headerByte: number,
    chunk: Buffer,
    at: number,
    remaining: number,
  ) {
    const flags = headerByte & 0x07 // QoS and retain; the DUP bit does not matter here
    if (flags !== 0 && flags !== 2) return false
    const qos = flags >> 1
    const topic = direct.topic
    const payloadStart = at + 2 + topic.length + 2 * qos
    if (payloadStart > at + remaining || chunk.readUInt16BE(at) !== topic.length) return false
    if (topic.compare(chunk, at + 2, at + 2 + topic.length) !== 0) return false
    const messageId = qos === 1 ? chunk.readUInt16BE(payloadStart - 2) : 0
    if (qos === 1 && messageId === 0) return false // malformed: aedes closes the connection
    const stored = direct.take(chunk.subarray(payloadStart, at + remaining), qos as 0 | 1)
    if (stored === undefined) return false
    this.taken++
    direct.budget?.taken()
    stored.then(
      () => {
        if (qos === 1) {
          this.acks[this.ackCount++] = messageId
          if (this.ackCount === 1) process.nextTick(this.writeAcks)
        }
        this.settled()
      },
      (err: unknown) => {
        if (!this.destroyed) {
          direct.failed(err)
          this.destroy()
        }
        this.settled()
      },
    )
    return true
  }

  /**
   * Ends a write waiting for 'drain': null when it drained, an error otherwise (`undefined`: the
   * connection closed). The error is only made when a write waits: a closing connection rarely
   * has one, and an Error with its stack per connection made 10,000 disconnects block the event
   * loop for longer.
   */
  private releaseWrite(err: Error | null | undefined) {
    const cb = this.pendingWrite
    if (!cb) return
    this.pendingWrite = undefined
    cb(err === undefined ? new Error('connection closed') : err)
  }

  private refuse(reason: GuardViolation, detail: string): null {
    this.hooks.violation(this, reason, detail)
    this.inner.destroy()
    this.destroy()
    return null
  }

  /** Returns the bytes to hand to aedes, or null once the connection was closed. */
  private scan(chunk: Buffer): Buffer[] | null {
    const out: Buffer[] = []
    let runStart = 0 // start of the bytes of this chunk that pass through untouched
    let i = 0
    let tookAny = false
    while (i < chunk.length) {
      if (this.state === State.Pass || this.state === State.Discard) {
        const n = Math.min(this.left, chunk.length - i)
        if (this.state === State.Discard) runStart = i + n
        i += n
        this.left -= n
        if (this.left === 0) {
          if (this.state === State.Pass && this.discardAfter > 0) {
            out.push(chunk.subarray(runStart, i))
            runStart = i
            this.state = State.Discard
            this.left = this.discardAfter
            this.discardAfter = 0
          } else {
            this.state = State.Header
          }
        }
        continue
      }
      if (this.state === State.Hold) {
        const need = this.holdNeed()
        const n = Math.min(need - this.heldBytes, chunk.length - i)
        this.held.push(chunk.subarray(i, i + n))
        this.heldBytes += n
        i += n
        runStart = i
        if (this.heldBytes === need && this.decideHeld(out) === null) return null
        continue
      }
      // State.Header: the first byte, then up to four bytes of remaining length
      if (this.headerLength === 0 && i > runStart) {
        // keep header bytes out of the run until the packet is judged
        out.push(chunk.subarray(runStart, i))
        runStart = i
      }
      const byte = chunk[i++] as number
      this.header[this.headerLength++] = byte
      if (this.headerLength === 1) continue
      if (byte & 0x80) {
        if (this.headerLength === 5) return this.refuse('malformed_length', 'remaining length over 4 bytes')
        continue
      }
      const remaining = this.remainingLength()
      const type = (this.header[0] as number) >> 4
      if (type !== PUBLISH) {
        if (remaining > this.caps.maxControlBytes) {
          return this.refuse('packet_too_large', `${remaining} bytes > ${this.caps.maxControlBytes}`)
        }
      } else if (remaining > this.caps.maxPacketBytes) {
        return this.refuse('packet_too_large', `PUBLISH of ${remaining} bytes`)
      } else if (remaining > this.caps.maxTelemetryBytes + 2) {
        // may be over its class cap: hold the header until the topic is known
        this.held = []
        this.heldBytes = 0
        this.left = remaining
        this.state = State.Hold
        runStart = i
        continue
      }
      // judged: the header goes on as it came (from this chunk, or rebuilt when it spanned two)
      const headerStartedHere = i - this.headerLength >= runStart
      const direct = this.direct
      if (direct !== undefined && type === PUBLISH && headerStartedHere) {
        const headerStart = i - this.headerLength
        const whole = i + remaining <= chunk.length
        if (!whole || this.takeDirect(direct, this.header[0] as number, chunk, i, remaining)) {
          if (headerStart > runStart) out.push(chunk.subarray(runStart, headerStart))
          if (whole) tookAny = true
          else {
            // judged again once the rest has come
            this.carry = chunk.subarray(headerStart)
            this.carryNeed = i + remaining - chunk.length
          }
          i = whole ? i + remaining : chunk.length
          runStart = i
          this.headerLength = 0
          continue
        }
      }
      if (!headerStartedHere) {
        out.push(Buffer.from(this.header.subarray(0, this.headerLength)))
        runStart = i
      }
      this.headerLength = 0
      this.left = remaining
      this.state = remaining > 0 ? State.Pass : State.Header
    }
    if (tookAny) this.direct?.active()
    if (this.direct !== undefined && this.state === State.Header && this.headerLength > 0) {
      // a header cut by the read: carry it when it started here (it may be a PUBLISH to take)
      const headerStart = i - this.headerLength
      if (headerStart >= runStart) {
        if (headerStart > runStart) out.push(chunk.subarray(runStart, headerStart))
        this.carry = chunk.subarray(headerStart)
        this.headerLength = 0
        return out
      }
    }
    if (this.state !== State.Hold && i > runStart) {
      const headerBytesHere = this.state === State.Header ? this.headerLength : 0
      const end = Math.max(runStart, i - Math.min(headerBytesHere, i - runStart))
      if (end > runStart) out.push(chunk.subarray(runStart, end))
    }
    return out
  }

  private remainingLength(): number {
    let value = 0
    let multiplier = 1
    for (let k = 1; k < this.headerLength; k++) {
      value += ((this.header[k] as number) & 0x7f) * multiplier
      multiplier *= 128
    }
    return value
  }

  /** Bytes of the variable header needed to know the topic: its length, then the topic. */
  private holdNeed(): number {
    if (this.heldBytes < 2) return Math.min(2, this.left)
    const held = Buffer.concat(this.held)
    this.held = [held]
    const topicLength = held.readUInt16BE(0)
    return Math.min(2 + topicLength, this.left)
  }

  private decideHeld(out: Buffer[]): true | null {
    const held = Buffer.concat(this.held)
    this.held = [held]
    if (held.length < 2 || (held.length === 2 && held.readUInt16BE(0) > 0 && this.left > 2)) {
      return true // keep holding: only the topic length is known so far
    }
    const remaining = this.left
    const topicLength = held.readUInt16BE(0)
    const topic = held.subarray(2, 2 + topicLength).toString('utf8')
    const qos = ((this.header[0] as number) >> 1) & 3
    const payload = remaining - 2 - topicLength - (qos > 0 ? 2 : 0)
    const cap = IMAGE_TOPIC.test(topic) ? this.caps.maxImageBytes : this.caps.maxTelemetryBytes
    const headerByte = this.header[0] as number
    this.headerLength = 0
    this.held = []
    if (payload <= cap || held.length < 2 + topicLength) {
      out.push(Buffer.from([headerByte, ...encodeLength(remaining)]), held)
      this.left = remaining - held.length
    } else if (topic.startsWith(DEVICE_PREFIX)) {
      const kept = remaining - payload + cap + 1
      out.push(Buffer.from([headerByte, ...encodeLength(kept)]), held)
      this.truncated.push(payload)
      this.left = kept - held.length
      this.discardAfter = remaining - kept
    } else {
      return this.refuse('payload_too_large', `${payload} bytes on ${topic.slice(0, 200)} > ${cap}`)
    }
    this.state = this.left > 0 ? State.Pass : this.discardAfter > 0 ? State.Discard : State.Header
    if (this.state === State.Discard) {
      this.left = this.discardAfter
      this.discardAfter = 0
    }
    return true
  }
}
