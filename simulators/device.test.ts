import net, { type AddressInfo } from 'node:net'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { statusTopic, telemetryTopic, UINT32_MAX, validateTelemetry } from '../firmware-contracts/index.js'
import {
  type SimulatedDevice,
  type SimulatedFleet,
  startSimulatedDevice,
  startSimulatedFleet,
} from './device.js'
import { startTestBroker, type TestBroker, waitFor } from './testing/test-broker.js'

const CREDENTIALS = { 'p-01': 'pw-paddy', 'rail-7': 'pw-rail', 'r-01': 'pw-res', watcher: 'pw-watch' }
const FAST = { reconnectPeriod: 100 }

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  // Devices before brokers, so the devices can say goodbye.
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function broker(port?: number): Promise<TestBroker> {
  const b = await startTestBroker({ credentials: CREDENTIALS, port })
  cleanups.push(() => b.close())
  return b
}

async function device(opts: Parameters<typeof startSimulatedDevice>[0]): Promise<SimulatedDevice> {
  const d = await startSimulatedDevice({ mqttOptions: FAST, ...opts })
  cleanups.push(() => d.stop())
  return d
}

/** A service client that sees retained status messages. */
async function watch(b: TestBroker, topic: string): Promise<{ client: MqttClient; seen: string[] }> {
  const client = await connectAsync(b.url, { username: 'watcher', password: 'pw-watch', reconnectPeriod: 0 })
  cleanups.push(() => client.endAsync(true))
  const seen: string[] = []
  client.on('message', (_t, payload) => seen.push(payload.toString()))
  await client.subscribeAsync(topic, { qos: 1 })
  return { client, seen }
}

function telemetry(b: TestBroker, deviceId: string) {
  return b.publishes.filter((p) => p.topic === telemetryTopic(deviceId))
}

describe('startSimulatedDevice', () => {
  it('connects as the device with its password, a persistent session and an offline will', async () => {
    const b = await broker()
    await device({ url: b.url, deviceId: 'p-01', password: 'pw-paddy', kind: 'paddy', intervalMs: 1000 })
    expect(b.connects).toHaveLength(1)
    expect(b.connects[0]).toEqual({
      clientId: 'p-01',
      username: 'p-01',
      password: 'pw-paddy',
      clean: false,
      will: { topic: statusTopic('p-01'), payload: '{"state":"offline"}', qos: 1, retain: true },
    })
  })

  it('publishes valid telemetry with increasing seq and the current time at QoS 1', async () => {
    const b = await broker()
    const before = Date.now()
    const d = await device({
      url: b.url,
      deviceId: 'p-01',
      password: 'pw-paddy',
      kind: 'paddy',
      intervalMs: 30,
    })
    await waitFor(() => d.published() >= 5 && telemetry(b, 'p-01').length >= 5, 5000, 'five readings')
    const sent = telemetry(b, 'p-01')
    expect(sent.length).toBeGreaterThanOrEqual(5)
    const seqs: number[] = []
    for (const p of sent) {
      expect(p.qos).toBe(1)
      expect(p.retain).toBe(false)
      const verdict = validateTelemetry('paddy', p.payload)
      if (!verdict.ok) throw new Error(`rejected: ${verdict.detail}`)
      expect(verdict.rejectedMetrics).toEqual([])
      expect(verdict.unknownMetrics).toEqual([])
      const reading = verdict.readings[0]
      expect(Object.keys(reading?.m ?? {}).sort()).toEqual([
        'battery_v',
        'rssi_dbm',
        'water_depth_cm',
        'water_temp_c',
      ])
      expect(reading?.ts).toBeGreaterThanOrEqual(before)
      expect(reading?.ts).toBeLessThanOrEqual(Date.now())
      seqs.push(reading?.seq ?? -1)
    }
    expect(seqs.slice(0, 5)).toEqual([0, 1, 2, 3, 4])
    expect(d.lastReading()?.seq).toBeGreaterThanOrEqual(4)
  })

  it('leaves a retained online status, and a retained offline status after stop()', async () => {
    const b = await broker()
    const d = await startSimulatedDevice({
      url: b.url,
      deviceId: 'rail-7',
      password: 'pw-rail',
      kind: 'rail',
      intervalMs: 50,
      mqttOptions: FAST,
    })
    await waitFor(() => d.published() >= 2, 5000, 'two readings')
    const online = await watch(b, statusTopic('rail-7'))
    await waitFor(() => online.seen.length > 0, 5000, 'retained status')
    expect(online.seen[0]).toBe('{"state":"online"}')

    await d.stop()
    await d.stop() // idempotent
    const count = d.published()
    expect(d.connected()).toBe(false)
    const offline = await watch(b, statusTopic('rail-7'))
    await waitFor(() => offline.seen.length > 0, 5000, 'retained status')
    expect(offline.seen[0]).toBe('{"state":"offline"}')
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(d.published()).toBe(count)
    expect(telemetry(b, 'rail-7')).toHaveLength(count)
  })

  it('publishes at QoS 0 when asked, and wraps seq after 2^32 - 1', async () => {
    const b = await broker()
    const d = await device({
      url: b.url,
      deviceId: 'r-01',
      password: 'pw-res',
      kind: 'reservoir',
      intervalMs: 30,
      qos: 0,
      startSeq: UINT32_MAX - 1,
    })
    // QoS 0 counts as published once written, so wait on what the broker received.
    await waitFor(() => telemetry(b, 'r-01').length >= 4, 5000, 'four readings')
    expect(d.published()).toBeGreaterThanOrEqual(4)
    const sent = telemetry(b, 'r-01')
    expect(sent.every((p) => p.qos === 0)).toBe(true)
    const seqs = sent.slice(0, 4).map((p) => (JSON.parse(p.payload) as { seq: number }).seq)
    expect(seqs).toEqual([UINT32_MAX - 1, UINT32_MAX, 0, 1])
    expect(sent.every((p) => validateTelemetry('reservoir', p.payload).ok)).toBe(true)
  })

  it('rejects with a clear message when the broker refuses the password', async () => {
    const b = await broker()
    const logs: string[] = []
    await expect(
      startSimulatedDevice({
        url: b.url,
        deviceId: 'p-01',
        password: 'wrong',
        kind: 'paddy',
        intervalMs: 1000,
        log: (m) => logs.push(m),
      }),
    ).rejects.toThrow(/refused the credentials/)
    expect(b.publishes).toEqual([])
  })

  it('rejects (does not throw) on a URL mqtt.js cannot use', async () => {
    const started = startSimulatedDevice({
      url: 'not a url',
      deviceId: 'p-01',
      password: 'pw-paddy',
      kind: 'paddy',
      intervalMs: 1000,
    })
    await expect(started).rejects.toThrow(/protocol/)
  })

  it('keeps retrying while no broker listens, and gives up when aborted', async () => {
    const port = await freePort()
    const logs: string[] = []
    const controller = new AbortController()
    const started = startSimulatedDevice({
      url: `mqtt://127.0.0.1:${port}`,
      deviceId: 'p-01',
      password: 'pw-paddy',
      kind: 'paddy',
      intervalMs: 1000,
      mqttOptions: FAST,
      signal: controller.signal,
      log: (m) => logs.push(m),
    })
    await waitFor(() => logs.some((m) => m.includes('cannot reach')), 5000, 'a retry log line')
    await new Promise((resolve) => setTimeout(resolve, 300))
    // One line for the outage, not one per attempt.
    expect(logs.filter((m) => m.includes('cannot reach'))).toHaveLength(1)
    controller.abort()
    await expect(started).rejects.toThrow(/gave up connecting/)
  })

  it('rides out a broker restart and carries on publishing', async () => {
    const first = await broker()
    const logs: string[] = []
    const d = await device({
      url: first.url,
      deviceId: 'p-01',
      password: 'pw-paddy',
      kind: 'paddy',
      intervalMs: 30,
      log: (m) => logs.push(m),
    })
    await waitFor(() => d.published() >= 3, 5000, 'readings before the restart')
    await first.close()
    await waitFor(() => !d.connected(), 5000, 'the device to notice')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const second = await broker(first.port)
    await waitFor(() => telemetry(second, 'p-01').length >= 3, 10_000, 'readings after the restart')
    expect(
      second.publishes.some((p) => p.topic === statusTopic('p-01') && p.payload === '{"state":"online"}'),
    ).toBe(true)
    expect(logs.some((m) => m.includes('reconnected'))).toBe(true)
    // Readings measured while offline were skipped, not queued without bound: seq shows the gap.
    const seqs = telemetry(second, 'p-01').map((p) => (JSON.parse(p.payload) as { seq: number }).seq)
    const lastBefore = Math.max(
      ...telemetry(first, 'p-01').map((p) => (JSON.parse(p.payload) as { seq: number }).seq),
    )
    expect(Math.max(...seqs)).toBeGreaterThan(lastBefore)
    expect(d.skipped()).toBeGreaterThan(0)
    // Stopped here, while the second broker still runs, so the goodbye is not left waiting for an ack.
    await d.stop()
    expect(second.publishes.at(-1)?.payload).toBe('{"state":"offline"}')
  })

  it('keeps running when the log function or the publish hook throws', async () => {
    const b = await broker()
    const d = await device({
      url: b.url,
      deviceId: 'p-01',
      password: 'pw-paddy',
      kind: 'paddy',
      intervalMs: 30,
      log: () => {
        throw new Error('logger broke')
      },
      onPublished: () => {
        throw new Error('hook broke')
      },
    })
    await waitFor(() => d.published() >= 3, 5000, 'three readings')
  })
})

describe('startSimulatedFleet', () => {
  let fleet: SimulatedFleet | undefined
  afterEach(async () => {
    await fleet?.stop()
    fleet = undefined
  })

  it('starts every device with valid credentials and reports the others as failures', async () => {
    const b = await broker()
    fleet = await startSimulatedFleet({
      url: b.url,
      intervalMs: 40,
      demo: true,
      seed: 1,
      mqttOptions: FAST,
      devices: [
        { deviceId: 'p-01', password: 'pw-paddy', kind: 'paddy' },
        { deviceId: 'rail-7', password: 'pw-rail', kind: 'rail' },
        { deviceId: 'r-01', password: 'nope', kind: 'reservoir' },
      ],
    })
    expect(fleet.devices.map((d) => d.deviceId)).toEqual(['p-01', 'rail-7'])
    expect(fleet.failures.map((f) => f.deviceId)).toEqual(['r-01'])
    const started = fleet
    // The broker sees a reading before its PUBACK reaches the device: wait on both sides.
    await waitFor(
      () =>
        started.published() >= 6 && telemetry(b, 'p-01').length >= 3 && telemetry(b, 'rail-7').length >= 3,
      5000,
      'fleet readings',
    )
    expect(telemetry(b, 'rail-7').every((p) => validateTelemetry('rail', p.payload).ok)).toBe(true)
    await fleet.stop()
    const offline = b.publishes.filter(
      (p) => p.topic.endsWith('/status') && p.payload === '{"state":"offline"}',
    )
    expect(offline.map((p) => p.clientId).sort()).toEqual(['p-01', 'rail-7'])
  })
})

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
