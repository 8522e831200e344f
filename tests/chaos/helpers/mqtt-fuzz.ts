/**
 * Malformed and mutated MQTT 3.1.1 packets for the protocol fuzz case (RELIABILITY.md items
 * 15–19): well-formed packets generated with mqtt-packet from fast-check fields, then broken on
 * purpose (remaining length, truncation, flags, invalid UTF-8 topics, oversize, random bytes),
 * plus the regression corpus of item 18. Deterministic for a seed.
 */
import fc from 'fast-check'
import mqttPacket, { type Packet } from 'mqtt-packet'

export interface FuzzCase {
  category: string
  /** Sent after a valid CONNECT of a fuzz device (else as the first bytes on the socket). */
  afterConnect: boolean
  bytes: Buffer
}

const enc = (p: Packet) => mqttPacket.generate(p)

function varint(n: number): number[] {
  const out: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return out
}
/** A packet from raw parts: first byte, body; the remaining length is the body's unless given. */
const frame = (first: number, body: Buffer, declared = body.length) =>
  Buffer.concat([Buffer.from([first, ...varint(declared)]), body])
const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])

/** Item 18 (and 19): each must be refused, and the broker must stay up. */
export function regressionCorpus(deviceId: string): FuzzCase[] {
  const deep = Array.from({ length: 101 }, (_, i) => `l${i}`).join('/')
  return [
    // aedes #612 (FUME): CONNECT whose protocol name runs to the end of the packet → RangeError
    {
      category: 'regression',
      afterConnect: false,
      bytes: Buffer.from('1009000' + '64d5149736470' + '03', 'hex'),
    },
    // GHSA-xxqp-5qx8-gj5q: a topic over 100 levels (qlobber threw and killed the process)
    {
      category: 'regression',
      afterConnect: true,
      bytes: enc({
        cmd: 'publish',
        topic: deep,
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        dup: false,
      }),
    },
    {
      category: 'regression',
      afterConnect: true,
      bytes: enc({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: deep, qos: 0 }] }),
    },
    // CVE-2024-48080: SUBSCRIBE with several `#`
    {
      category: 'regression',
      afterConnect: true,
      bytes: frame(0x82, Buffer.concat([Buffer.from([0, 8]), str(Buffer.from('#/#/#')), Buffer.from([1])])),
    },
    {
      category: 'regression',
      afterConnect: true,
      bytes: frame(
        0x82,
        Buffer.concat([
          Buffer.from([0, 9]),
          str(Buffer.from('#')),
          Buffer.from([0]),
          str(Buffer.from('a/#/#')),
          Buffer.from([0]),
        ]),
      ),
    },
    // empty topic
    {
      category: 'regression',
      afterConnect: true,
      bytes: frame(0x32, Buffer.concat([str(Buffer.alloc(0)), Buffer.from([0, 1]), Buffer.from('{}')])),
    },
    // a CONNACK from the client, before and after CONNECT
    { category: 'regression', afterConnect: false, bytes: Buffer.from('20020000', 'hex') },
    { category: 'regression', afterConnect: true, bytes: Buffer.from('20020000', 'hex') },
    // DISCONNECT with reserved flags set
    { category: 'regression', afterConnect: true, bytes: Buffer.from('e100', 'hex') },
    // a second CONNECT on a connected session (MQTT-3.1.0-2)
    {
      category: 'regression',
      afterConnect: true,
      bytes: enc({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: deviceId,
        keepalive: 30,
      }),
    },
    // item 19: a 256 MB PUBLISH declared, then a trickle; a 5-byte remaining length
    { category: 'regression', afterConnect: true, bytes: Buffer.from('30ffffff7f000a', 'hex') },
    { category: 'regression', afterConnect: false, bytes: Buffer.from('30ffffffff01', 'hex') },
    // U+0000 in a topic (MQTT-1.5.3-2)
    {
      category: 'regression',
      afterConnect: true,
      bytes: frame(
        0x30,
        Buffer.concat([str(Buffer.from(`v1/devices/${deviceId}/tele\u0000metry`)), Buffer.from('{}')]),
      ),
    },
  ]
}

const INVALID_UTF8 = [
  [0xc3, 0x28],
  [0xff],
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc0, 0xaf], // overlong '/'
  [0xe2, 0x82],
].map((b) => Buffer.from(b))

/** fast-check arbitraries of well-formed packets a client might send (and some it should not). */
function wellFormed(deviceId: string): fc.Arbitrary<Packet> {
  const own = `v1/devices/${deviceId}`
  const topic = fc.oneof(
    fc.constantFrom(`${own}/telemetry`, `${own}/status`, `${own}/image/1782864000000`, `${own}/cmd/ack`),
    fc.constantFrom('v1/devices/other/telemetry', '$SYS/x/new/clients', '#', '+/+', '../x', 'a//b', '/'),
    fc.string({ minLength: 1, maxLength: 40 }),
  )
  const payload = fc.oneof(
    fc.constant(Buffer.from(JSON.stringify({ ts: Date.now(), seq: 1, m: { water_depth_cm: 5 } }))),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  )
  const messageId = fc.integer({ min: 1, max: 65535 })
  const qos = fc.constantFrom(0 as const, 1 as const, 2 as const)
  return fc.oneof(
    fc
      .record({ topic, payload, qos, retain: fc.boolean(), dup: fc.boolean(), messageId })
      .map((f) => ({ cmd: 'publish', ...f, ...(f.qos === 0 ? { messageId: undefined } : {}) }) as Packet),
    fc
      .record({ messageId, subs: fc.array(fc.record({ topic, qos }), { minLength: 1, maxLength: 4 }) })
      .map((f) => ({ cmd: 'subscribe', messageId: f.messageId, subscriptions: f.subs }) as Packet),
    fc
      .record({ messageId, topics: fc.array(topic, { minLength: 1, maxLength: 3 }) })
      .map((f) => ({ cmd: 'unsubscribe', messageId: f.messageId, unsubscriptions: f.topics }) as Packet),
    messageId.chain((id) =>
      fc.constantFrom<Packet>(
        { cmd: 'puback', messageId: id },
        { cmd: 'pubrec', messageId: id },
        { cmd: 'pubrel', messageId: id },
        { cmd: 'pubcomp', messageId: id },
      ),
    ),
    fc.constantFrom<Packet>({ cmd: 'pingreq' }, { cmd: 'disconnect' }),
    fc
      .record({
        clientId: fc.oneof(fc.constant(deviceId), fc.string({ maxLength: 30 })),
        username: fc.option(fc.oneof(fc.constant(deviceId), fc.string({ maxLength: 20 })), {
          nil: undefined,
        }),
        password: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        keepalive: fc.integer({ min: 0, max: 65535 }),
        clean: fc.boolean(),
        will: fc.option(fc.record({ topic, payload, qos, retain: fc.boolean() }), { nil: undefined }),
      })
      .map(
        (f) =>
          ({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clientId: f.clientId,
            keepalive: f.keepalive,
            clean: f.clean,
            ...(f.username !== undefined ? { username: f.username } : {}),
            ...(f.username !== undefined && f.password !== undefined
              ? { password: Buffer.from(f.password) }
              : {}),
            ...(f.will ? { will: f.will } : {}),
          }) as Packet,
      ),
  )
}

type Mutation = (bytes: Buffer, r: number[]) => { category: string; bytes: Buffer }
const at = (r: number[], i: number, n: number) => (n <= 0 ? 0 : (r[i] ?? 0) % n)
/** Length of the remaining-length field of a well-formed packet. */
const headerLength = (b: Buffer) => {
  let i = 1
  while (i < b.length && i < 5 && ((b[i] as number) & 0x80) !== 0) i++
  return i + 1
}

const MUTATIONS: Mutation[] = [
  (b, r) => ({ category: 'truncated', bytes: b.subarray(0, Math.max(1, at(r, 0, b.length))) }),
  (b, r) => {
    const out = Buffer.from(b)
    for (let k = 0; k <= at(r, 0, 4); k++) {
      const i = at(r, k + 1, out.length)
      out[i] = (out[i] as number) ^ (1 << at(r, k + 5, 8))
    }
    return { category: 'bit_flips', bytes: out }
  },
  (b, r) => {
    const out = Buffer.from(b)
    out[at(r, 0, out.length)] = at(r, 1, 256)
    return { category: 'byte_replaced', bytes: out }
  },
  // remaining length larger or smaller than the body, or a 5-byte / overlong varint
  (b, r) => {
    const body = b.subarray(headerLength(b))
    const choice = at(r, 0, 4)
    if (choice === 0)
      return {
        category: 'bad_remaining_length',
        bytes: frame(b[0] as number, body, body.length + 1 + at(r, 1, 1000)),
      }
    if (choice === 1)
      return {
        category: 'bad_remaining_length',
        bytes: frame(b[0] as number, body, Math.max(0, body.length - 1 - at(r, 1, 8))),
      }
    if (choice === 2)
      return {
        category: 'bad_remaining_length',
        bytes: Buffer.concat([Buffer.from([b[0] as number, 0xff, 0xff, 0xff, 0xff, 0x7f]), body]),
      }
    return {
      category: 'bad_remaining_length',
      bytes: Buffer.concat([Buffer.from([b[0] as number, 0x80, 0x80, 0x80, 0x00]), body]),
    }
  },
  // wrong fixed-header flags (reserved bits, QoS 3) on the same body
  (b, r) => {
    const out = Buffer.from(b)
    out[0] = ((out[0] as number) & 0xf0) | at(r, 0, 16)
    return { category: 'wrong_flags', bytes: out }
  },
  // another packet type on the same body (PUBACK body as PUBLISH, reserved types 0 and 15)
  (b, r) => {
    const out = Buffer.from(b)
    out[0] = (at(r, 0, 16) << 4) | ((out[0] as number) & 0x0f)
    return { category: 'wrong_type', bytes: out }
  },
  (b, r) => ({
    category: 'garbage_appended',
    bytes: Buffer.concat([
      b,
      Buffer.from(Array.from({ length: 1 + at(r, 0, 64) }, (_, i) => at(r, i + 1, 256))),
    ]),
  }),
  (b, r) => ({
    category: 'duplicated',
    bytes: Buffer.concat(Array.from({ length: 2 + at(r, 0, 20) }, () => b)),
  }),
]

/** `count` cases (at least): mutated packets, invalid UTF-8 topics, oversize and random bytes. */
export function fuzzCases(count: number, seed: number, deviceId: string): FuzzCase[] {
  const cases = regressionCorpus(deviceId)
  const own = `v1/devices/${deviceId}/telemetry`
  const mutated = fc
    .tuple(
      wellFormed(deviceId),
      fc.boolean(),
      fc.integer({ min: 0, max: MUTATIONS.length - 1 }),
      fc.array(fc.nat(), { minLength: 70, maxLength: 70 }),
    )
    .map(([packet, afterConnect, m, r]) => {
      let bytes: Buffer
      try {
        bytes = enc(packet)
      } catch {
        bytes = Buffer.from([0x30, 0x00]) // a field mqtt-packet refuses to encode
      }
      return { afterConnect, ...(MUTATIONS[m] as Mutation)(bytes, r) }
    })
  const utf8 = fc
    .tuple(fc.integer({ min: 0, max: INVALID_UTF8.length - 1 }), fc.boolean(), fc.nat({ max: 20 }))
    .map(([i, subscribe, pos]) => {
      const raw = Buffer.from(own)
      const bad = INVALID_UTF8[i] as Buffer
      const topic = Buffer.concat([raw.subarray(0, pos), bad, raw.subarray(pos)])
      const bytes = subscribe
        ? frame(0x82, Buffer.concat([Buffer.from([0, 3]), str(topic), Buffer.from([1])]))
        : frame(0x32, Buffer.concat([str(topic), Buffer.from([0, 5]), Buffer.from('{"a":1}')]))
      return { category: 'invalid_utf8', afterConnect: true, bytes }
    })
  const random = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => ({
    category: 'random_bytes',
    afterConnect: a.length % 2 === 0,
    bytes: Buffer.from(a),
  }))
  // oversize on a telemetry topic: over the 16 KB cap, and a declared size far beyond any cap
  const oversize = fc.integer({ min: 17 * 1024, max: 600 * 1024 }).map((n) => ({
    category: 'oversize',
    afterConnect: true,
    bytes: enc({
      cmd: 'publish',
      topic: own,
      payload: Buffer.alloc(n, 0x7b),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
    }),
  }))
  const arb = fc.oneof(
    { weight: 70, arbitrary: mutated },
    { weight: 10, arbitrary: utf8 },
    { weight: 18, arbitrary: random },
    { weight: 2, arbitrary: oversize },
  )
  cases.push(...fc.sample(arb, { numRuns: Math.max(0, count - cases.length), seed }))
  return cases
}
