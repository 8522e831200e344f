import { type AddressInfo, createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseDeviceTopic, validateTelemetry } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../testing/test-broker.js'
import { createLatencyHistogram } from './latency.js'
import { defaultLocalAddresses, type LoadDevice, runLoad } from './load.js'
import { PACKET, PacketReader } from './packets.js'

const DEVICES: LoadDevice[] = Array.from({ length: 20 }, (_, i) => ({
  deviceId: `load-${String(i).padStart(2, '0')}`,
  password: `pw-${i}`,
  kind: (['paddy', 'reservoir', 'rail'] as const)[i % 3] ?? 'paddy',
}))
const CREDENTIALS = Object.fromEntries(DEVICES.map((d) => [d.deviceId, d.password]))

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function broker(): Promise<TestBroker> {
  const b = await startTestBroker({ credentials: CREDENTIALS })
  cleanups.push(() => b.close())
  return b
}

/** Every telemetry payload the broker got is valid, and no (device, seq, ts) repeats. */
function checkReadings(b: TestBroker): void {
  const kinds = new Map(DEVICES.map((d) => [d.deviceId, d.kind]))
  const keys = new Set<string>()
  for (const p of b.publishes) {
    const deviceId = parseDeviceTopic(p.topic)?.deviceId as string
    const verdict = validateTelemetry(kinds.get(deviceId) ?? 'paddy', p.payload)
    if (!verdict.ok) throw new Error(`${p.payload}: ${verdict.detail}`)
    for (const r of verdict.readings) keys.add(`${deviceId}/${r.seq}/${r.ts}`)
  }
  expect(keys.size).toBe(b.publishes.length)
}

describe('runLoad', () => {
  it('sends 2000 messages over 20 connections, all acknowledged, with latencies', async () => {
    const b = await broker()
    const progress: number[] = []
    const summary = await runLoad({
      url: b.url,
      devices: DEVICES,
      qos: 1,
      count: 2000,
      progressIntervalMs: 20,
      onProgress: (p) => progress.push(p.sent),
    })
    expect(summary).toMatchObject({
      devices: 20,
      connected: 20,
      connectFailures: 0,
      sent: 2000,
      acked: 2000,
      errors: 0,
      unacked: 0,
    })
    expect(summary.msgPerS).toBeGreaterThan(100)
    expect(summary.latencyMs.p50).toBeGreaterThan(0)
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50 ?? 0)
    expect(b.publishes).toHaveLength(2000)
    expect(new Set(b.publishes.map((p) => p.clientId)).size).toBe(20)
    checkReadings(b)
  })

  it('does the same with pre-encoded packets', async () => {
    const b = await broker()
    const summary = await runLoad({
      url: b.url,
      devices: DEVICES,
      qos: 1,
      count: 2000,
      preEncoded: true,
      window: 4,
    })
    expect(summary).toMatchObject({ sent: 2000, acked: 2000, errors: 0 })
    expect(b.publishes).toHaveLength(2000)
    checkReadings(b)
  })

  it('holds a total rate, and sends QoS 0 without waiting for acks', async () => {
    const b = await broker()
    const summary = await runLoad({ url: b.url, devices: DEVICES, qos: 0, rate: 1000, durationMs: 600 })
    expect(summary.sent).toBeGreaterThan(400)
    expect(summary.sent).toBeLessThan(900)
    expect(summary.acked).toBe(0)
    expect(summary.latencyMs.p50).toBeUndefined()
  })

  it('writes the messages a device has due per tick together, so tickMs sets how many share a write', async () => {
    // a raw MQTT listener: CONNACK to the CONNECT, then the PUBLISH packets in each chunk read
    const perChunk: number[] = []
    const server = createServer((socket: Socket) => {
      let publishes = 0
      const reader = new PacketReader(
        () => {},
        (type) => {
          if (type === PACKET.connect) socket.write(Buffer.from([PACKET.connack << 4, 2, 0, 0]))
          else if (type === PACKET.publish) publishes++
        },
      )
      socket.on('data', (chunk: Buffer) => {
        publishes = 0
        reader.push(chunk)
        if (publishes > 0) perChunk.push(publishes)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
    const device = DEVICES.slice(0, 1)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

    await runLoad({ url, devices: device, qos: 0, rate: 200, durationMs: 600, preEncoded: true })
    expect(median(perChunk)).toBe(1) // one message per 5 ms tick
    perChunk.length = 0
    await runLoad({ url, devices: device, qos: 0, rate: 200, durationMs: 600, preEncoded: true, tickMs: 100 })
    expect(median(perChunk)).toBeGreaterThanOrEqual(15) // ~20 per 100 ms tick
  })

  it('counts refused devices as connect failures and carries on with the rest', async () => {
    const b = await broker()
    const devices = [
      ...DEVICES.slice(0, 3),
      { deviceId: 'intruder', password: 'guess', kind: 'paddy' as const },
    ]
    const summary = await runLoad({ url: b.url, devices, qos: 1, count: 30 })
    expect(summary).toMatchObject({ connected: 3, connectFailures: 1, acked: 30 })
    expect(summary.failureSamples[0]).toMatch(/intruder: broker refused the connection \(CONNACK 4/)
  })
})

describe('load helpers', () => {
  it('spreads a large loopback fleet over several source addresses', () => {
    expect(defaultLocalAddresses('127.0.0.1', 1000)).toEqual([])
    expect(defaultLocalAddresses('127.0.0.1', 40_000)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3'])
    expect(defaultLocalAddresses('broker.example', 40_000)).toEqual([])
  })

  it('gives quantiles within a few percent', () => {
    const h = createLatencyHistogram()
    for (let i = 1; i <= 10_000; i++) h.record(i / 100)
    expect(h.quantile(0.5)).toBeGreaterThan(48)
    expect(h.quantile(0.5)).toBeLessThan(52)
    expect(h.quantile(0.99)).toBeGreaterThan(96)
    expect(h.quantile(0.99)).toBeLessThanOrEqual(100)
    expect(h.max()).toBe(100)
    expect(createLatencyHistogram().quantile(0.5)).toBeUndefined()
  })
})
