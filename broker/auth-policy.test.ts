import { describe, expect, it } from 'vitest'
import { canPublish, canSubscribe, clientIdMatches } from './auth-policy.js'
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './device-secrets.js'

const me = { role: 'device' as const, deviceId: 'p-1' }

describe('device ACL', () => {
  it('lets a device publish its own telemetry, status, images and command acks', () => {
    expect(canPublish(me, 'v1/devices/p-1/telemetry')).toEqual({ allowed: true, channel: 'telemetry' })
    expect(canPublish(me, 'v1/devices/p-1/status')).toMatchObject({ allowed: true, channel: 'status' })
    expect(canPublish(me, 'v1/devices/p-1/image/1782864000000')).toEqual({
      allowed: true,
      channel: 'image',
      captureTsMs: 1782864000000,
    })
    expect(canPublish(me, 'v1/devices/p-1/cmd/ack')).toMatchObject({ allowed: true, channel: 'cmd/ack' })
  })

  it('refuses other devices, its own downlink, reserved and malformed topics', () => {
    for (const topic of [
      'v1/devices/p-2/telemetry',
      'v1/devices/p-1/cmd',
      'v1/devices/p-1/telemetry/x',
      'v1/devices/p-10/telemetry',
      '$SYS/broker/new/clients',
      'v1/devices/p-1/../p-2/telemetry',
      'other/topic',
    ]) {
      expect(canPublish(me, topic).allowed, topic).toBe(false)
    }
  })

  it('lets a device subscribe only to its own cmd topic, without wildcards', () => {
    expect(canSubscribe(me, 'v1/devices/p-1/cmd')).toBe(true)
    for (const filter of ['v1/devices/p-2/cmd', 'v1/devices/+/cmd', 'v1/devices/p-1/#', '#', '$SYS/#']) {
      expect(canSubscribe(me, filter), filter).toBe(false)
    }
  })

  it('requires the client id to be the device id', () => {
    expect(clientIdMatches(me, 'p-1')).toBe(true)
    expect(clientIdMatches(me, 'p-1-x')).toBe(false)
  })
})

describe('device secrets', () => {
  const key = Buffer.alloc(32, 7)
  it('verifies the generated secret against its keyed hash only', () => {
    const secret = generateDeviceSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const hash = hashDeviceSecret(key, secret)
    expect(hash).not.toContain(secret)
    expect(verifyDeviceSecret(key, secret, hash)).toBe(true)
    expect(verifyDeviceSecret(key, `${secret}x`, hash)).toBe(false)
    expect(verifyDeviceSecret(Buffer.alloc(32, 8), secret, hash)).toBe(false)
    expect(verifyDeviceSecret(key, secret, 'plain')).toBe(false)
  })
})
