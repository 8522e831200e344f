import { afterEach, describe, expect, it } from 'vitest'
import { looksLikeJpeg, parseDeviceTopic } from '../../firmware-contracts/index.js'
import { type SimulatedDevice, startSimulatedDevice } from '../device.js'
import { decodeJpeg } from '../testing/jpeg-decode.js'
import { startTestBroker, type TestBroker, waitFor } from '../testing/test-broker.js'
import { startCamera } from './camera.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function station(): Promise<{ b: TestBroker; device: SimulatedDevice }> {
  const b = await startTestBroker({ credentials: { 'r-01': 'pw' } })
  cleanups.push(() => b.close())
  const device = await startSimulatedDevice({
    url: b.url,
    deviceId: 'r-01',
    password: 'pw',
    kind: 'reservoir',
    intervalMs: 50,
    demo: true,
  })
  cleanups.push(() => device.stop())
  return { b, device }
}

describe('startCamera', () => {
  it('publishes decodable JPEGs of the station on its own image topic, at QoS 1', async () => {
    const { b, device } = await station()
    const sizes: number[] = []
    const camera = startCamera({ device, intervalMs: 100, onImage: (_n, bytes) => sizes.push(bytes) })
    cleanups.push(() => camera.stop())
    await waitFor(() => camera.images() >= 2, 5000, 'two images')
    const images = b.publishes.filter((p) => parseDeviceTopic(p.topic)?.channel === 'image')
    expect(images.length).toBeGreaterThanOrEqual(2)
    for (const image of images) {
      const topic = parseDeviceTopic(image.topic)
      expect(topic?.deviceId).toBe('r-01')
      expect(Math.abs((topic?.captureTsMs ?? 0) - Date.now())).toBeLessThan(10_000)
      expect(image.qos).toBe(1)
      expect(looksLikeJpeg(image.bytes)).toBe(true)
      expect(decodeJpeg(image.bytes)).toMatchObject({ width: 320, height: 240 })
    }
    expect(sizes.every((s) => s > 2000 && s < 100_000)).toBe(true)
  })

  it('skips a capture while the station has no reading yet', async () => {
    const { device } = await station()
    const fake: SimulatedDevice = { ...device, lastReading: () => undefined }
    const camera = startCamera({ device: fake, intervalMs: 30 })
    cleanups.push(() => camera.stop())
    await waitFor(() => camera.skipped() >= 2, 2000, 'skipped captures')
    expect(camera.images()).toBe(0)
  })
})
