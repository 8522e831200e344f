import { Duplex, PassThrough } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it, vi } from 'vitest'
import { FrameGuard, type GuardViolation } from './frame-guard.js'
import { InFlightBudget } from './in-flight-budget.js'

const caps = {
  maxTelemetryBytes: 100,
  maxImageBytes: 1000,
  maxTopicBytes: 256,
  maxControlBytes: 500,
  maxPacketBytes: 1260,
}

function setup(inner: Duplex = new PassThrough()) {
  const violations: GuardViolation[] = []
  const guard = new FrameGuard(inner, { ip: '127.0.0.1', listener: 'tcp' }, caps, {
    violation: (_g, reason) => violations.push(reason),
    bytesIn() {},
    bytesOut() {},
  })
  const packets: mqttPacket.Packet[] = []
  const parser = mqttPacket.parser()
  parser.on('packet', (p) => packets.push(p))
  guard.on('data', (chunk: Buffer) => parser.parse(chunk))
  return { inner, guard, packets, violations }
}

const publish = (topic: string, bytes: number, qos: 0 | 1 = 1) =>
  mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload: Buffer.alloc(bytes, 0x61),
    qos,
    messageId: qos ? 7 : undefined,
    retain: false,
    dup: false,
  } as mqttPacket.IPublishPacket)

async function feed(inner: Duplex, bytes: Buffer, chunkSize: number) {
  for (let i = 0; i < bytes.length; i += chunkSize) {
    inner.write(bytes.subarray(i, i + chunkSize))
    await new Promise((r) => setImmediate(r))
  }
}

describe('FrameGuard', () => {
  for (const chunkSize of [1, 3, 7, 64, 100_000]) {
    it(`passes packets within their caps unchanged (chunks of ${chunkSize})`, async () => {
      const { inner, packets, violations } = setup()
      const stream = Buffer.concat([
        mqttPacket.generate({ cmd: 'pingreq' }),
        publish('v1/devices/p-1/telemetry', 100),
        publish('city/x', 0, 0),
        publish('v1/devices/p-1/image/1782864000000', 1000),
        mqttPacket.generate({ cmd: 'pingreq' }),
      ])
      await feed(inner, stream, chunkSize)
      expect(violations).toEqual([])
      expect(packets.map((p) => [p.cmd, (p as { payload?: Buffer }).payload?.length])).toEqual([
        ['pingreq', undefined],
        ['publish', 100],
        ['publish', 0],
        ['publish', 1000],
        ['pingreq', undefined],
      ])
    })

    it(`cuts a device payload over its class cap to cap + 1 (chunks of ${chunkSize})`, async () => {
      const { inner, guard, packets, violations } = setup()
      await feed(
        inner,
        Buffer.concat([
          publish('v1/devices/p-1/telemetry', 1200),
          publish('v1/devices/p-1/image/1', 1200, 0),
          mqttPacket.generate({ cmd: 'pingreq' }),
        ]),
        chunkSize,
      )
      expect(violations).toEqual([])
      expect(
        packets.map((p) => [
          p.cmd,
          (p as { topic?: string }).topic ?? undefined,
          (p as { payload?: Buffer }).payload?.length,
        ]),
      ).toEqual([
        ['publish', 'v1/devices/p-1/telemetry', 101],
        ['publish', 'v1/devices/p-1/image/1', 1001],
        ['pingreq', undefined, undefined],
      ])
      expect((packets[0] as mqttPacket.IPublishPacket).messageId).toBe(7)
      expect(guard.truncated).toEqual([1200, 1200])
    })
  }

  it('closes on a plain topic over the cap, a huge declared size, a long control packet or a 5-byte length', async () => {
    const cases: Array<[Buffer, GuardViolation]> = [
      [publish('city/x', 101), 'payload_too_large'],
      [publish('v1/devices/p-1/telemetry', 5000), 'packet_too_large'],
      [Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 'packet_too_large'],
      [Buffer.from([0x82, 0xf5, 0x03]), 'packet_too_large'],
      [Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), 'malformed_length'],
    ]
    for (const [bytes, reason] of cases) {
      const { inner, guard, packets, violations } = setup()
      await feed(inner, bytes, 2)
      expect(violations).toEqual([reason])
      expect(guard.destroyed).toBe(true)
      expect(packets).toEqual([])
    }
  })
})

describe('FrameGuard direct path', () => {
  const TOPIC = 'v1/devices/p-1/telemetry'

  /** A socket stand-in whose input (push) and output (written) are apart. */
  function directSetup(
    decide: (payload: string, qos: number) => Promise<void> | undefined = () => Promise.resolve(),
    budget?: InFlightBudget,
  ) {
    const written: Buffer[] = []
    const inner = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk)
        cb()
      },
    })
    const guard = new FrameGuard(inner, { ip: '127.0.0.1', listener: 'tcp' }, caps, {
      violation() {},
      bytesIn() {},
      bytesOut() {},
    })
    const taken: Array<[string, number]> = []
    const failures: unknown[] = []
    let active = 0
    guard.direct = {
      topic: Buffer.from(TOPIC),
      take(payload, qos) {
        taken.push([payload.toString(), qos])
        return decide(payload.toString(), qos)
      },
      active: () => active++,
      failed: (err) => failures.push(err),
      ...(budget ? { budget } : {}),
    }
    const packets: mqttPacket.Packet[] = []
    const parser = mqttPacket.parser()
    parser.on('packet', (p) => packets.push(p))
    guard.on('data', (chunk: Buffer) => parser.parse(chunk))
    const topics = () => packets.map((p) => (p as { topic?: string }).topic ?? p.cmd)
    return { inner, guard, taken, failures, written, packets, topics, active: () => active }
  }
  const tick = () => new Promise((r) => setImmediate(r))
  const pub = (topic: string, payload: string, qos: 0 | 1 | 2, messageId = 7, retain = false) =>
    mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload),
      qos,
      messageId: qos ? messageId : undefined,
      retain,
      dup: false,
    } as mqttPacket.IPublishPacket)

  it('takes whole QoS 0/1 publishes to its topic, passes the rest on in order, and acknowledges once stored', async () => {
    let store = () => {}
    const stored = new Promise<void>((resolve) => {
      store = resolve
    })
    const { inner, taken, written, topics, active } = directSetup(() => stored)
    inner.push(
      Buffer.concat([
        mqttPacket.generate({ cmd: 'pingreq' }),
        pub(TOPIC, 'a', 1, 7),
        pub('v1/devices/p-1/status', 's', 1, 8),
        pub(TOPIC, 'b', 0),
        pub(TOPIC, 'c', 1, 300),
        pub(TOPIC, 'r', 1, 9, true), // retained: aedes
        pub(TOPIC, 'q2', 2, 10), // QoS 2: aedes
        pub('v1/devices/p-2/telemetry', 'x', 1, 11), // not its topic
      ]),
    )
    await tick()
    expect(taken).toEqual([
      ['a', 1],
      ['b', 0],
      ['c', 1],
    ])
    expect(topics()).toEqual(['pingreq', 'v1/devices/p-1/status', TOPIC, TOPIC, 'v1/devices/p-2/telemetry'])
    expect(active()).toBe(1)
    expect(written).toEqual([]) // not stored yet: no PUBACK
    store()
    await tick()
    // the two PUBACKs of one commit leave in one write
    expect(written).toEqual([Buffer.from([0x40, 2, 0, 7, 0x40, 2, 1, 44])])
  })

  it('takes a publish split across reads once it is whole, and leaves to aedes one the path declines', async () => {
    const { inner, taken, topics } = directSetup((payload) =>
      payload === 'no' ? undefined : Promise.resolve(),
    )
    const split = pub(TOPIC, 'split', 1)
    inner.push(split.subarray(0, 10)) // cut inside the topic
    await tick()
    expect(taken).toEqual([])
    const cutHeader = pub(TOPIC, 'cut header', 0)
    inner.push(Buffer.concat([split.subarray(10), pub(TOPIC, 'no', 1, 8), cutHeader.subarray(0, 1)]))
    await tick()
    inner.push(Buffer.concat([cutHeader.subarray(1), pub('v1/devices/p-1/status', 'big'.repeat(10), 1, 9)]))
    await tick()
    expect(taken).toEqual([
      ['split', 1],
      ['no', 1],
      ['cut header', 0],
    ])
    expect(topics()).toEqual([TOPIC, 'v1/devices/p-1/status']) // 'no' went to aedes, and the status
  })

  it('waits for the rest of a carried publish instead of copying it once per byte that drips in', async () => {
    const { inner, taken } = directSetup()
    const dripped = pub(TOPIC, 'x'.repeat(60), 1, 5)
    const concat = vi.spyOn(Buffer, 'concat')
    try {
      for (const byte of dripped) {
        inner.push(Buffer.from([byte]))
        await tick()
      }
      expect(taken).toEqual([['x'.repeat(60), 1]])
      // a few while the fixed header is cut (at most its 5 bytes), one once the topic length is known
      expect(concat.mock.calls.length).toBeLessThanOrEqual(6)
    } finally {
      concat.mockRestore()
    }
  })

  it('passes on a cut publish to another topic whole, in order', async () => {
    const { inner, taken, packets } = directSetup()
    const status = pub('v1/devices/p-1/status', 's'.repeat(40), 1, 3)
    inner.push(Buffer.concat([pub(TOPIC, 'a', 0), status.subarray(0, 7)]))
    await tick()
    inner.push(Buffer.concat([status.subarray(7), pub(TOPIC, 'b', 0)]))
    await tick()
    expect(taken.map(([p]) => p)).toEqual(['a', 'b'])
    expect(packets).toHaveLength(1)
    expect((packets[0] as mqttPacket.IPublishPacket).payload.toString()).toBe('s'.repeat(40))
  })

  it('reads nothing more from the socket until the messages taken are settled', async () => {
    const pending: Array<() => void> = []
    const { inner, taken } = directSetup(() => new Promise<void>((resolve) => pending.push(resolve)))
    inner.push(pub(TOPIC, '1', 1, 1))
    await tick()
    inner.push(pub(TOPIC, '2', 1, 2))
    await tick()
    await tick()
    expect(taken.map(([p]) => p)).toEqual(['1'])
    pending[0]?.()
    await tick()
    expect(taken.map(([p]) => p)).toEqual(['1', '2'])
  })

  it('reads nothing while the shared budget is spent, and reads again once a message settles', async () => {
    const budget = new InFlightBudget(2)
    const pending: Array<() => void> = []
    const hold = () => new Promise<void>((resolve) => pending.push(resolve))
    const one = directSetup(hold, budget)
    const other = directSetup(hold, budget)
    one.inner.push(Buffer.concat([pub(TOPIC, '1', 1, 1), pub(TOPIC, '2', 1, 2)]))
    await tick()
    other.inner.push(pub(TOPIC, '3', 1, 3))
    await tick()
    await tick()
    expect(other.taken).toEqual([]) // two in flight: the other connection waits
    expect(budget.state()).toEqual({ inFlight: 2, waiting: 1 })
    pending[0]?.()
    await tick()
    expect(other.taken.map(([p]) => p)).toEqual(['3'])
    expect(budget.state()).toEqual({ inFlight: 2, waiting: 0 })
  })

  it('closes the connection without a PUBACK when a message cannot be stored', async () => {
    const { inner, guard, failures, written } = directSetup(() => Promise.reject(new Error('disk full')))
    inner.push(pub(TOPIC, 'a', 1))
    await tick()
    await tick()
    expect(failures).toHaveLength(1)
    expect(guard.destroyed).toBe(true)
    expect(written).toEqual([])
  })
})

describe('FrameGuard writes', () => {
  /** An inner stream that takes one chunk and then never drains (a peer that stopped reading). */
  const stuck = () =>
    new Duplex({
      read() {},
      write(_chunk, _enc, _cb) {},
      writableHighWaterMark: 1,
    })

  it('fails a write waiting for drain when the connection closes', async () => {
    const { inner, guard } = setup(stuck())
    guard.on('error', () => {})
    const done = new Promise<Error | null | undefined>((resolve) =>
      guard.write(Buffer.from([0xd0, 0]), resolve),
    )
    await new Promise((r) => setImmediate(r))
    inner.destroy()
    expect(await done).toMatchObject({ message: 'connection closed' })
  })

  it('closes without a waiting write without error', async () => {
    const { inner, guard } = setup()
    const errors: Error[] = []
    guard.on('error', (err) => errors.push(err))
    await new Promise<void>((resolve) => guard.write(Buffer.from([0xd0, 0]), () => resolve()))
    inner.destroy()
    await new Promise((r) => guard.once('close', r))
    expect(errors).toEqual([])
  })
})
