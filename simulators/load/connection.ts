import net from 'node:net'
import { performance } from 'node:perf_hooks'
import tls from 'node:tls'
import { UINT32_MAX } from '../../firmware-contracts/index.js'
import type { LatencyHistogram } from './latency.js'
import {
  DISCONNECT,
  encodeConnect,
  encodePublish,
  PACKET,
  PacketReader,
  PINGREQ,
  type PublishTemplate,
  writeFromTemplate,
} from './packets.js'

/** Counters shared by every connection of one run. */
export interface LoadCounters {
  sent: number
  acked: number
  errors: number
  latency: LatencyHistogram
}

export interface LoadConnectionOptions {
  host: string
  port: number
  tls: boolean
  localAddress?: string
  deviceId: string
  password: string
  keepaliveS: number
  qos: 0 | 1
  /** Most unacknowledged QoS 1 messages at once on this connection. */
  window: number
  topic: string
  /** Pre-encoded mode: copy and patch these templates in turn (several, so values vary as a live sensor's do). */
  templates?: readonly PublishTemplate[]
  /** Otherwise: a fresh payload per message (model values, JSON.stringify). */
  payload?: (ts: number, seq: number) => string
  counters: LoadCounters
  connectTimeoutMs: number
  /** Called when PUBACKs freed room in the window (flat-out mode refills from here). */
  onRoom?: (conn: LoadConnection) => void
}

/** QoS 0 writes stop while this many bytes wait in the socket buffer. */
const QOS0_BUFFER_LIMIT = 64 * 1024

/**
 * One device's raw MQTT connection for load: CONNECT, then PUBLISH packets written in batches
 * straight to the socket, PUBACKs matched to their send time for latency. Message ids are handed
 * out so each in-flight id owns one slot of a small ring (no per-message allocation).
 */
export class LoadConnection {
  private socket: net.Socket | undefined
  private seq = 0
  private variant = 0
  /** The next message's earliest ts. */
  private lastTs = 0
  private nextId = 1
  private inFlightCount = 0
  private readonly mask: number
  private readonly slotId: Uint16Array
  private readonly sentAt: Float64Array
  private lastWriteMs = 0
  alive = false

  constructor(private readonly o: LoadConnectionOptions) {
    let slots = 64
    while (slots < o.window * 4) slots *= 2
    this.mask = slots - 1
    this.slotId = new Uint16Array(slots)
    this.sentAt = new Float64Array(slots)
  }

  get inFlight(): number {
    return this.inFlightCount
  }

  /** How many messages could be written right now. */
  room(): number {
    if (!this.alive || !this.socket) return 0
    if (this.o.qos === 1) return this.o.window - this.inFlightCount
    return this.socket.writableLength < QOS0_BUFFER_LIMIT ? 64 : 0
  }

  /** Opens the socket and completes CONNECT/CONNACK; rejects with the reason on any failure. */
  connect(): Promise<void> {
    const { o } = this
    return new Promise<void>((resolve, reject) => {
      const options = { host: o.host, port: o.port, localAddress: o.localAddress, noDelay: true }
      // TLS verifies the broker's certificate as usual; a private CA goes in NODE_EXTRA_CA_CERTS.
      const socket = o.tls ? tls.connect(options) : net.connect(options)
      this.socket = socket
      let settled = false
      const fail = (reason: string): void => {
        if (settled) {
          if (this.alive) {
            this.alive = false
            o.counters.errors++
          }
          return
        }
        settled = true
        clearTimeout(timer)
        socket.destroy()
        reject(new Error(`${o.deviceId}: ${reason}`))
      }
      const timer = setTimeout(() => fail('no CONNACK in time'), o.connectTimeoutMs)
      const reader = new PacketReader(
        (id) => this.acked(id),
        (type, body) => {
          if (type !== PACKET.connack || settled) return
          const code = body[1] ?? 255
          if (code !== 0)
            return fail(`broker refused the connection (CONNACK ${code}: ${connackReason(code)})`)
          settled = true
          clearTimeout(timer)
          this.alive = true
          resolve()
        },
      )
      socket.on('data', (chunk: Buffer) => reader.push(chunk))
      socket.on('error', (err) => fail(err.message))
      socket.on('close', () => fail('connection closed'))
      socket.on('drain', () => this.o.onRoom?.(this))
      socket.write(
        encodeConnect({
          clientId: o.deviceId,
          username: o.deviceId,
          password: o.password,
          keepaliveS: o.keepaliveS,
          // Load devices keep no session: nothing piles up on the broker between runs.
          clean: true,
        }),
      )
    })
  }

  /** Writes up to `n` PUBLISH packets as one socket write; returns how many went out. */
  pump(n: number): number {
    const count = Math.min(n, this.room())
    if (count <= 0 || !this.socket) return 0
    const now = performance.now()
    // a distinct, increasing ts per message, as a real sensor's readings have: readings sharing a
    // millisecond would collapse in a TSDB (series + timestamp key) and defeat ingest's dedupe ring
    let ts = Math.max(Date.now(), this.lastTs)
    const { templates, qos } = this.o
    let out: Buffer
    if (templates && templates.length > 0) {
      let bytes = 0
      for (let i = 0; i < count; i++)
        bytes += (templates[(this.variant + i) % templates.length] as PublishTemplate).length
      out = Buffer.allocUnsafe(bytes)
      let at = 0
      for (let i = 0; i < count; i++) {
        const template = templates[this.variant] as PublishTemplate
        this.variant = (this.variant + 1) % templates.length
        at = writeFromTemplate(template, out, at, this.take(now), ts++, this.nextSeq())
      }
    } else {
      const parts: Buffer[] = []
      for (let i = 0; i < count; i++) {
        const messageId = this.take(now)
        const payload = this.o.payload?.(ts++, this.nextSeq()) ?? '{}'
        parts.push(
          encodePublish({ topic: this.o.topic, payload, qos, messageId: qos > 0 ? messageId : undefined }),
        )
      }
      out = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
    }
    this.socket.write(out)
    this.lastTs = ts
    this.lastWriteMs = now
    this.o.counters.sent += count
    return count
  }

  /** Sends PINGREQ if nothing was written for half the keepalive (MQTT-3.1.2-24). */
  keepAlive(nowMs: number): void {
    if (this.alive && this.socket && nowMs - this.lastWriteMs > (this.o.keepaliveS * 1000) / 2) {
      this.socket.write(PINGREQ)
      this.lastWriteMs = nowMs
    }
  }

  /** DISCONNECT and close; resolves when the socket is gone (or after 2 s). */
  close(): Promise<void> {
    const socket = this.socket
    this.alive = false
    if (!socket || socket.destroyed) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy()
        resolve()
      }, 2000)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.end(DISCONNECT)
    })
  }

  private nextSeq(): number {
    const s = this.seq
    this.seq = s === UINT32_MAX ? 0 : s + 1
    return s
  }

  /** The next free message id whose ring slot is empty (QoS 0: 0, nothing tracked). */
  private take(now: number): number {
    if (this.o.qos === 0) return 0
    for (;;) {
      const id = this.nextId
      this.nextId = id === 65_535 ? 1 : id + 1
      const slot = id & this.mask
      if (this.slotId[slot] !== 0) continue
      this.slotId[slot] = id
      this.sentAt[slot] = now
      this.inFlightCount++
      return id
    }
  }

  private acked(id: number): void {
    const slot = id & this.mask
    if (this.slotId[slot] !== id) {
      this.o.counters.errors++
      return
    }
    this.slotId[slot] = 0
    this.inFlightCount--
    this.o.counters.acked++
    this.o.counters.latency.record(performance.now() - (this.sentAt[slot] as number))
    this.o.onRoom?.(this)
  }
}

function connackReason(code: number): string {
  return (
    [
      'accepted',
      'bad protocol version',
      'client id rejected',
      'server unavailable',
      'bad username or password',
      'not authorized',
    ][code] ?? 'unknown'
  )
}
