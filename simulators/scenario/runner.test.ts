import { afterEach, describe, expect, it } from 'vitest'
import { looksLikeJpeg, parseDeviceTopic, validateTelemetry } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../testing/test-broker.js'
import { runScenario } from './runner.js'
import { parseScenario } from './schema.js'
import { scenarioReadings } from './timeline.js'

const SCENARIO = parseScenario(
  {
    name: 'runner-test',
    description: { ja: 'テスト', en: 'test' },
    start: '2026-09-15T12:00',
    duration: '6h',
    timeScale: 3600,
    interval: '10m',
    forcing: {
      rainMmH: [
        ['0h', 0],
        ['1h', 40],
        ['4h', 0],
      ],
    },
    devices: [
      { id: 'r-01', kind: 'reservoir', camera: { interval: '2h' } },
      { id: 'p-01', kind: 'paddy' },
    ],
    faults: [
      { device: 'p-01', type: 'duplicate', from: '0h', to: '1h' },
      { device: 'p-01', type: 'malformed', from: '2h', to: '3h' },
      { device: 'p-01', type: 'dropout', from: '4h', to: '5h' },
    ],
  },
  'runner-test',
)
const CREDENTIALS = { 'r-01': 'pw-r', 'p-01': 'pw-p', 'x-r-01': 'pw-r', 'x-p-01': 'pw-p' }

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function broker(): Promise<TestBroker> {
  const b = await startTestBroker({ credentials: CREDENTIALS })
  cleanups.push(() => b.close())
  return b
}

const credentials = new Map(Object.entries(CREDENTIALS))

describe('runScenario', () => {
  it('publishes exactly the timeline, duplicates and broken payloads included, and camera JPEGs', async () => {
    const b = await broker()
    const summary = await runScenario(SCENARIO, {
      url: b.url,
      credentials,
      timeScale: Number.POSITIVE_INFINITY,
    })
    const timeline = [...scenarioReadings(SCENARIO)]
    const expected = timeline
      .filter((e) => e.type === 'telemetry')
      .map((e) => (e.type === 'telemetry' ? e.payload : ''))
    const telemetry = b.publishes.filter((p) => parseDeviceTopic(p.topic)?.channel === 'telemetry')
    expect(telemetry.map((p) => p.payload).sort()).toEqual([...expected].sort())
    expect(summary).toMatchObject({
      scenario: 'runner-test',
      devices: 2,
      published: expected.length,
      images: 4,
      skipped: 0,
      dropped: 6,
      malformed: 6,
      duplicates: 6,
      stoppedEarly: false,
      tsShiftMs: 0,
    })
    expect(summary.faults).toEqual({ duplicate: 6, malformed: 6, dropout: 6 })
    const images = b.publishes.filter((p) => parseDeviceTopic(p.topic)?.channel === 'image')
    expect(images).toHaveLength(4)
    for (const image of images) {
      expect(looksLikeJpeg(image.bytes)).toBe(true)
      expect(image.qos).toBe(1)
      expect(parseDeviceTopic(image.topic)).toMatchObject({ deviceId: 'r-01' })
    }
    expect(parseDeviceTopic(images[0]?.topic ?? '')?.captureTsMs).toBe(SCENARIO.start)
    const valid = telemetry.filter(
      (p) => validateTelemetry(p.topic.includes('r-01') ? 'reservoir' : 'paddy', p.payload).ok,
    )
    expect(valid).toHaveLength(expected.length - 6)
  })

  it('replays on the wall clock compressed by the time scale', async () => {
    const b = await broker()
    const started = Date.now()
    // 6 h at ×43200 = 0.5 s.
    const summary = await runScenario(SCENARIO, { url: b.url, credentials, timeScale: 43_200 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(450)
    expect(summary.wallMs).toBeLessThan(5000)
  })

  it('with align now, moves every ts so the last reading is stamped with the wall time it is sent', async () => {
    const b = await broker()
    const before = Date.now()
    const summary = await runScenario(SCENARIO, { url: b.url, credentials, timeScale: 1e7, align: 'now' })
    const last = b.publishes
      .filter((p) => p.topic.endsWith('/telemetry'))
      .map((p) => validateTelemetry('paddy', p.payload))
      .flatMap((v) => (v.ok ? v.readings.map((r) => r.ts) : []))
      .reduce((a, c) => Math.max(a, c), 0)
    expect(last).toBeGreaterThanOrEqual(before)
    expect(last).toBeLessThanOrEqual(Date.now())
    expect(summary.tsShiftMs).toBe(last - (SCENARIO.start + SCENARIO.duration))
  })

  it('prefixes ids, asks provision for the passwords and names the devices it has none for', async () => {
    const b = await broker()
    const asked: string[] = []
    await runScenario(SCENARIO, {
      url: b.url,
      idPrefix: 'x-',
      timeScale: Number.POSITIVE_INFINITY,
      provision: async (devices) => {
        asked.push(...devices.map((d) => `${d.deviceId}:${d.kind}`))
        return credentials
      },
    })
    expect(asked).toEqual(['x-r-01:reservoir', 'x-p-01:paddy'])
    expect(b.publishes.some((p) => p.topic === 'v1/devices/x-p-01/telemetry')).toBe(true)
    await expect(
      runScenario(SCENARIO, { url: b.url, credentials: new Map([['r-01', 'pw-r']]) }),
    ).rejects.toThrow(/no password for p-01/)
    await expect(
      runScenario(SCENARIO, { url: b.url, credentials: new Map([...credentials, ['p-01', 'wrong']]) }),
    ).rejects.toThrow(/p-01: broker .* refused the credentials/)
  })

  it('stops early when aborted and says so', async () => {
    const b = await broker()
    const controller = new AbortController()
    const running = runScenario(SCENARIO, {
      url: b.url,
      credentials,
      timeScale: 3600,
      signal: controller.signal,
      onProgress: () => {},
    })
    setTimeout(() => controller.abort(), 300)
    const summary = await running
    expect(summary.stoppedEarly).toBe(true)
    expect(summary.published).toBeGreaterThan(0)
    expect(summary.published).toBeLessThan(40)
  })
})
