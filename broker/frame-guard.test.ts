import { PassThrough } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { FrameGuard, type GuardViolation } from './frame-guard.js'

const caps = {
  maxTelemetryBytes: 100,
  maxImageBytes: 1000,
  maxTopicBytes: 256,
  maxControlBytes: 500,
  maxPacketBytes: 1260,
}

function setup() {
  const inner = new PassThrough()
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

async function feed(inner: PassThrough, bytes: Buffer, chunkSize: number) {
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
