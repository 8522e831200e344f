import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { generatedFiles } from './generate.js'
import {
  CommandSchema,
  cmdAckTopic,
  cmdTopic,
  imageTopic,
  looksLikeJpeg,
  parseDeviceTopic,
  StatusSchema,
  statusTopic,
  TELEMETRY_VECTORS,
  telemetryTopic,
  unitOf,
  validateTelemetry,
} from './index.js'

const here = dirname(fileURLToPath(import.meta.url))

describe('topics', () => {
  it('round-trips every channel through build and parse', () => {
    expect(parseDeviceTopic(telemetryTopic('p-01'))).toEqual({ deviceId: 'p-01', channel: 'telemetry' })
    expect(parseDeviceTopic(statusTopic('p-01'))).toEqual({ deviceId: 'p-01', channel: 'status' })
    expect(parseDeviceTopic(cmdTopic('p-01'))).toEqual({ deviceId: 'p-01', channel: 'cmd' })
    expect(parseDeviceTopic(cmdAckTopic('p-01'))).toEqual({ deviceId: 'p-01', channel: 'cmd/ack' })
    expect(parseDeviceTopic(imageTopic('r_9', 1782864000000))).toEqual({
      deviceId: 'r_9',
      channel: 'image',
      captureTsMs: 1782864000000,
    })
  })

  it('refuses topics outside the contract', () => {
    for (const topic of [
      'v1/devices/p-01',
      'v1/devices/p-01/telemetry/extra',
      'v2/devices/p-01/telemetry',
      'v1/devices/../telemetry',
      'v1/devices/+/telemetry',
      'v1/devices/p-01/image/abc',
      'v1/devices/p-01/cmd/nack',
      '$SYS/broker/clients',
      '',
    ]) {
      expect(parseDeviceTopic(topic), topic).toBeNull()
    }
  })
})

describe('telemetry validation', () => {
  it.each(TELEMETRY_VECTORS.map((v) => [v.name, v] as const))('vector: %s', (_name, vector) => {
    const verdict = validateTelemetry(vector.kind, vector.payload)
    if (vector.expect.ok) {
      expect(verdict.ok, JSON.stringify(verdict)).toBe(true)
      if (!verdict.ok) return
      expect(verdict.readings).toHaveLength(vector.expect.readings)
      expect(verdict.rejectedMetrics.map((r) => r.metric)).toEqual(vector.expect.rejectedMetrics ?? [])
      expect(verdict.unknownMetrics).toEqual(vector.expect.unknownMetrics ?? [])
    } else {
      expect(verdict).toMatchObject({ ok: false, reason: vector.expect.reason })
    }
  })

  it('converts RFC 3339 timestamps to epoch ms in UTC', () => {
    const verdict = validateTelemetry(
      'paddy',
      '{"ts":"2026-07-01T09:00:00+09:00","seq":5,"m":{"water_depth_cm":4}}',
    )
    expect(verdict.ok && verdict.readings[0]).toEqual({
      ts: Date.UTC(2026, 6, 1),
      seq: 5,
      m: { water_depth_cm: 4 },
    })
  })

  it('names the failing field in the reason detail', () => {
    const verdict = validateTelemetry('paddy', '{"ts":1782864000000,"seq":1.5,"m":{"water_depth_cm":4}}')
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.detail).toContain('seq')
  })

  it('does not let a __proto__ metric key reach the reading', () => {
    const verdict = validateTelemetry(
      'paddy',
      '{"ts":1782864000000,"seq":1,"m":{"__proto__":5,"water_depth_cm":4}}',
    )
    expect(verdict.ok && verdict.readings[0]?.m).toEqual({ water_depth_cm: 4 })
    expect(verdict.ok && Object.getPrototypeOf(verdict.readings[0]?.m)).toBe(Object.prototype)
  })
})

describe('status, command and image', () => {
  it('accepts the last-will payload and refuses unknown states', () => {
    expect(StatusSchema.safeParse({ state: 'offline' }).success).toBe(true)
    expect(StatusSchema.safeParse({ state: 'asleep' }).success).toBe(false)
  })

  it('needs a setting or an action in a command', () => {
    expect(CommandSchema.safeParse({ id: 'c1' }).success).toBe(false)
    expect(CommandSchema.safeParse({ id: 'c1', action: 'ping' }).success).toBe(true)
    expect(CommandSchema.safeParse({ id: 'c1', set: { report_interval_s: 0 } }).success).toBe(false)
  })

  it('recognises JPEG by its magic bytes', () => {
    expect(looksLikeJpeg(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0]))).toBe(true)
    expect(looksLikeJpeg(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false)
  })

  it('derives units from metric names', () => {
    expect(unitOf('water_depth_cm')).toBe('cm')
    expect(unitOf('rail_temp_c')).toBe('°C')
  })
})

describe('generated files', () => {
  it('are up to date with the zod schemas (run `npm run contracts:gen` if this fails)', () => {
    for (const [path, content] of Object.entries(generatedFiles())) {
      expect(readFileSync(join(here, path), 'utf8'), path).toBe(content)
    }
  })
})
