import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { validateTelemetry } from '../../firmware-contracts/index.js'
import {
  DISCONNECT,
  encodeConnect,
  encodePublish,
  PacketReader,
  PINGREQ,
  publishTemplate,
  remainingLength,
  writeFromTemplate,
} from './packets.js'

const TOPIC = 'v1/devices/p-01/telemetry'

describe('hand-built MQTT 3.1.1 packets', () => {
  it('CONNECT equals mqtt-packet for the same fields', () => {
    const ours = encodeConnect({
      clientId: 'p-01',
      username: 'p-01',
      password: 's3cr3t-ü',
      keepaliveS: 60,
      clean: true,
    })
    const theirs = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'p-01',
      keepalive: 60,
      username: 'p-01',
      password: Buffer.from('s3cr3t-ü'),
    })
    expect(ours.equals(theirs)).toBe(true)
    const persistent = encodeConnect({ clientId: 'x', keepaliveS: 300, clean: false })
    expect(
      persistent.equals(mqttPacket.generate({ cmd: 'connect', clientId: 'x', keepalive: 300, clean: false })),
    ).toBe(true)
  })

  it('PUBLISH equals mqtt-packet at QoS 0 and 1, for short and long payloads', () => {
    for (const payload of ['{}', 'x'.repeat(200), 'y'.repeat(20_000)]) {
      for (const qos of [0, 1] as const) {
        const ours = encodePublish({ topic: TOPIC, payload, qos, messageId: qos ? 4242 : undefined })
        const theirs = mqttPacket.generate({
          cmd: 'publish',
          topic: TOPIC,
          payload: Buffer.from(payload),
          qos,
          dup: false,
          retain: false,
          messageId: qos ? 4242 : undefined,
        })
        expect(ours.equals(theirs), `${qos} ${payload.length}`).toBe(true)
      }
    }
    expect(PINGREQ.equals(mqttPacket.generate({ cmd: 'pingreq' }))).toBe(true)
    expect(DISCONNECT.equals(mqttPacket.generate({ cmd: 'disconnect' }))).toBe(true)
  })

  it('encodes remaining lengths across the varint boundaries (2.2.3)', () => {
    expect(remainingLength(0)).toEqual([0])
    expect(remainingLength(127)).toEqual([0x7f])
    expect(remainingLength(128)).toEqual([0x80, 0x01])
    expect(remainingLength(16_383)).toEqual([0xff, 0x7f])
    expect(remainingLength(16_384)).toEqual([0x80, 0x80, 0x01])
    expect(remainingLength(268_435_455)).toEqual([0xff, 0xff, 0xff, 0x7f])
  })

  it('a pre-encoded packet, patched, equals mqtt-packet for the payload it carries', () => {
    const template = publishTemplate(TOPIC, { water_depth_cm: 7.5, battery_v: 3.61 }, 1)
    const out = Buffer.alloc(template.length * 3)
    let at = 0
    const cases = [
      { id: 1, ts: 1_782_864_000_000, seq: 0 },
      { id: 65_535, ts: 1_782_864_000_123, seq: 105 },
      { id: 300, ts: 4_102_444_799_999, seq: 4_294_967_295 },
    ]
    for (const c of cases) at = writeFromTemplate(template, out, at, c.id, c.ts, c.seq)
    cases.forEach((c, i) => {
      const packet = out.subarray(i * template.length, (i + 1) * template.length)
      const payload = `{"ts":${c.ts},"seq":${String(c.seq).padStart(10, ' ')},"m":{"water_depth_cm":7.5,"battery_v":3.61}}`
      const theirs = mqttPacket.generate({
        cmd: 'publish',
        topic: TOPIC,
        payload: Buffer.from(payload),
        qos: 1,
        dup: false,
        retain: false,
        messageId: c.id,
      })
      expect(packet.equals(theirs), `case ${i}`).toBe(true)
      const verdict = validateTelemetry('paddy', payload)
      expect(verdict.ok && verdict.readings[0]).toMatchObject({ ts: c.ts, seq: c.seq })
    })
    const qos0 = publishTemplate(TOPIC, { rail_temp_c: 41 }, 0)
    const one = Buffer.alloc(qos0.length)
    writeFromTemplate(qos0, one, 0, 0, 1_782_864_000_000, 7)
    const payload = `{"ts":1782864000000,"seq":${'7'.padStart(10, ' ')},"m":{"rail_temp_c":41}}`
    expect(
      one.equals(
        mqttPacket.generate({
          cmd: 'publish',
          topic: TOPIC,
          payload: Buffer.from(payload),
          qos: 0,
          dup: false,
          retain: false,
        }),
      ),
    ).toBe(true)
  })

  it('reads PUBACKs and other packets split anywhere across chunks', () => {
    const acks: number[] = []
    const other: Array<[number, string]> = []
    const reader = new PacketReader(
      (id) => acks.push(id),
      (type, body) => other.push([type, body.toString('hex')]),
    )
    const stream = Buffer.concat([
      Buffer.from([0x20, 2, 0, 0]), // CONNACK accepted
      Buffer.from([0x40, 2, 0, 1]),
      Buffer.from([0x40, 2, 0xff, 0xff]),
      Buffer.from([0xd0, 0]), // PINGRESP
      encodePublish({ topic: 'v1/devices/p-01/cmd', payload: 'z'.repeat(300), qos: 0 }),
      Buffer.from([0x40, 2, 1, 0]),
    ])
    for (let i = 0; i < stream.length; i += 3) reader.push(stream.subarray(i, i + 3))
    expect(acks).toEqual([1, 65_535, 256])
    expect(other.map(([type]) => type)).toEqual([2, 13, 3])
  })
})
