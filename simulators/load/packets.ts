/**
 * MQTT 3.1.1 packets built by hand for the load generator, so the hot loop copies bytes instead
 * of running a client library per message. Section numbers refer to the OASIS MQTT 3.1.1 spec.
 */

/** Control packet types (2.2.1), shifted into the high nibble of the first byte. */
export const PACKET = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const

/** Remaining length as a variable-length integer (2.2.3): 7 bits per byte, high bit = more. */
export function remainingLength(n: number): number[] {
  if (n < 0 || n > 268_435_455) throw new Error(`remaining length ${n} out of range`)
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return out
}

/** A UTF-8 string with its 2-byte length prefix (1.5.3). */
function utf8(text: string | Buffer): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  if (bytes.length > 65_535) throw new Error('string longer than 65535 bytes')
  const out = Buffer.allocUnsafe(2 + bytes.length)
  out.writeUInt16BE(bytes.length, 0)
  bytes.copy(out, 2)
  return out
}

export interface ConnectFields {
  clientId: string
  username?: string
  password?: string
  keepaliveS: number
  clean: boolean
}

/**
 * CONNECT (3.1): protocol "MQTT" level 4, no will.
 * @example encodeConnect({ clientId: 'p-01', username: 'p-01', password: 'pw', keepaliveS: 60, clean: true })
 */
export function encodeConnect(f: ConnectFields): Buffer {
  let flags = f.clean ? 0x02 : 0
  if (f.username !== undefined) flags |= 0x80
  if (f.password !== undefined) flags |= 0x40
  const variable = Buffer.from([
    0,
    4,
    0x4d,
    0x51,
    0x54,
    0x54,
    4,
    flags,
    f.keepaliveS >> 8,
    f.keepaliveS & 0xff,
  ])
  const parts = [variable, utf8(f.clientId)]
  if (f.username !== undefined) parts.push(utf8(f.username))
  if (f.password !== undefined) parts.push(utf8(Buffer.from(f.password, 'utf8')))
  const body = Buffer.concat(parts)
  return Buffer.concat([Buffer.from([PACKET.connect << 4, ...remainingLength(body.length)]), body])
}

export interface PublishFields {
  topic: string
  payload: Buffer | string
  qos: 0 | 1
  /** Required for QoS 1 (1..65535, 2.3.1). */
  messageId?: number
  retain?: boolean
  dup?: boolean
}

/** PUBLISH (3.3). @example encodePublish({ topic: 'v1/devices/p-01/telemetry', payload: '{}', qos: 1, messageId: 1 }) */
export function encodePublish(f: PublishFields): Buffer {
  const topic = utf8(f.topic)
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload, 'utf8') : f.payload
  const idBytes = f.qos > 0 ? 2 : 0
  const length = topic.length + idBytes + payload.length
  const first = (PACKET.publish << 4) | (f.dup ? 0x08 : 0) | (f.qos << 1) | (f.retain ? 1 : 0)
  const header = [first, ...remainingLength(length)]
  const out = Buffer.allocUnsafe(header.length + length)
  out.set(header, 0)
  topic.copy(out, header.length)
  if (f.qos > 0) {
    const id = f.messageId ?? 0
    if (id < 1 || id > 65_535) throw new Error('QoS 1 needs a message id in 1..65535')
    out.writeUInt16BE(id, header.length + topic.length)
  }
  payload.copy(out, header.length + topic.length + idBytes)
  return out
}

export const PINGREQ = Buffer.from([PACKET.pingreq << 4, 0])
export const DISCONNECT = Buffer.from([PACKET.disconnect << 4, 0])

/** Digits of a 13-digit epoch-ms ts (valid from 2001 to 2286) and of a uint32 seq, space-padded. */
const TS_DIGITS = 13
const SEQ_WIDTH = 10

/**
 * A telemetry PUBLISH encoded once, with the message id, ts and seq patched in place per
 * message: `{"ts":<13 digits>,"seq":<10 chars, space-padded>,"m":{…}}` is valid JSON (the
 * padding is whitespace) and every copy is a distinct reading `(deviceId, seq, ts)`.
 */
export interface PublishTemplate {
  readonly bytes: Buffer
  readonly length: number
  readonly idOffset: number
  readonly tsOffset: number
  readonly seqOffset: number
}

/** @example const t = publishTemplate('v1/devices/p-01/telemetry', { water_depth_cm: 7.5 }, 1) */
export function publishTemplate(topic: string, metrics: Record<string, number>, qos: 0 | 1): PublishTemplate {
  const tsMark = '9'.repeat(TS_DIGITS)
  const seqMark = '8'.repeat(SEQ_WIDTH)
  const payload = `{"ts":${tsMark},"seq":${seqMark},"m":${JSON.stringify(metrics)}}`
  const bytes = encodePublish({ topic, payload, qos, messageId: qos > 0 ? 1 : undefined })
  const payloadStart = bytes.length - Buffer.byteLength(payload)
  return {
    bytes,
    length: bytes.length,
    idOffset: qos > 0 ? payloadStart - 2 : -1,
    tsOffset: payloadStart + payload.indexOf(tsMark),
    seqOffset: payloadStart + payload.indexOf(seqMark),
  }
}

/** Copies the template into `out` at `at` and patches message id, ts and seq; returns the end offset. */
export function writeFromTemplate(
  t: PublishTemplate,
  out: Buffer,
  at: number,
  messageId: number,
  ts: number,
  seq: number,
): number {
  t.bytes.copy(out, at)
  if (t.idOffset >= 0) {
    out[at + t.idOffset] = messageId >> 8
    out[at + t.idOffset + 1] = messageId & 0xff
  }
  writeDigits(out, at + t.tsOffset, TS_DIGITS, ts, 0x30)
  writeDigits(out, at + t.seqOffset, SEQ_WIDTH, seq, 0x20)
  return at + t.length
}

/** Writes `value` right-aligned in `width` bytes, left-padded with `pad` (0x30 '0' or 0x20 ' '). */
function writeDigits(out: Buffer, at: number, width: number, value: number, pad: number): void {
  let v = Math.trunc(value)
  for (let i = width - 1; i >= 0; i--) {
    if (v > 0 || i === width - 1) {
      out[at + i] = 0x30 + (v % 10)
      v = Math.floor(v / 10)
    } else out[at + i] = pad
  }
}

/**
 * Splits a byte stream into MQTT packets. PUBACK (4 bytes) is by far the most common and is
 * handed over as just its message id, without allocating.
 */
export class PacketReader {
  private carry: Buffer | undefined

  constructor(
    private readonly onPuback: (messageId: number) => void,
    private readonly onOther: (type: number, body: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    this.carry = undefined
    let pos = 0
    while (pos < data.length) {
      const first = data[pos] as number
      // Fast path: a complete PUBACK.
      if (first === PACKET.puback << 4 && pos + 4 <= data.length && data[pos + 1] === 2) {
        this.onPuback(((data[pos + 2] as number) << 8) | (data[pos + 3] as number))
        pos += 4
        continue
      }
      let length = 0
      let multiplier = 1
      let i = pos + 1
      let complete = false
      for (; i < data.length && i < pos + 5; i++) {
        const byte = data[i] as number
        length += (byte & 0x7f) * multiplier
        multiplier *= 128
        if ((byte & 0x80) === 0) {
          complete = true
          i++
          break
        }
      }
      if (!complete || i + length > data.length) break
      const type = first >> 4
      const body = data.subarray(i, i + length)
      if (type === PACKET.puback && length === 2)
        this.onPuback(((body[0] as number) << 8) | (body[1] as number))
      else this.onOther(type, body)
      pos = i + length
    }
    if (pos < data.length) this.carry = Buffer.from(data.subarray(pos))
  }
}
