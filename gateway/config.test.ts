import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { loadGatewayConfig, segmentBytesFor } from './config.js'

const base = {
  GATEWAY_ID: 'gw-1',
  GATEWAY_PASSWORD: 'secret',
  GATEWAY_DEVICE_KEY: Buffer.alloc(32, 7).toString('base64'),
  CENTRAL_MQTT_URL: 'mqtts://centre.example.jp:8883',
}

describe('gateway config', () => {
  it('fills in defaults', () => {
    const config = loadGatewayConfig(base)
    expect(config).toMatchObject({
      gatewayId: 'gw-1',
      mqtt: { port: 1883 },
      http: { port: 8081 },
      diskBudgetBytes: 512 * 1024 * 1024,
      segmentBytes: 4 * 1024 * 1024,
      backfillRate: 200,
    })
    expect(config.deviceKey).toHaveLength(32)
  })

  it('names the key that is wrong', () => {
    for (const [key, value] of [
      ['CENTRAL_MQTT_URL', 'http://centre'],
      ['GATEWAY_DISK_BUDGET_MB', '0'],
      ['GATEWAY_BACKFILL_RATE', 'fast'],
      ['GATEWAY_DEVICE_KEY', 'c2hvcnQ='],
      ['GATEWAY_ID', 'gw/1'],
    ] as const) {
      try {
        loadGatewayConfig({ ...base, [key]: value })
        expect.unreachable(`${key}=${value} was accepted`)
      } catch (err) {
        expect(err).toBeInstanceOf(z.ZodError)
        expect(z.prettifyError(err as z.ZodError)).toContain(key)
      }
    }
    expect(() => loadGatewayConfig({ ...base, GATEWAY_PASSWORD: undefined })).toThrow(/GATEWAY_PASSWORD/)
  })

  it('sizes segments at an eighth of the budget, within 4 KB .. 4 MB', () => {
    expect(segmentBytesFor(10_000)).toBe(4096)
    expect(segmentBytesFor(8 * 1024 * 1024)).toBe(1024 * 1024)
    expect(segmentBytesFor(10 * 1024 ** 3)).toBe(4 * 1024 * 1024)
  })
})
