import { describe, expect, it } from 'vitest'
import { canPublish, canSubscribe, clientIdMatches } from './auth-policy.js'
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './device-secrets.js'

const me = { role: 'device' as const, deviceId: 'p-1' }
const gw = { role: 'gateway' as const, gatewayId: 'gw-1' }
const gatewayOf = (id: string) => ({ 'p-1': 'gw-1', 'p-2': 'gw-2' })[id] ?? null

describe('device ACL', () => {
  it('lets a device publish its own telemetry, status, images and command acks', () => {
    expect(canPublish(me, 'v1/devices/p-1/telemetry', gatewayOf)).toEqual({
      allowed: true,
      channel: 'telemetry',
      deviceId: 'p-1',
    })
    expect(canPublish(me, 'v1/devices/p-1/status', gatewayOf)).toMatchObject({
      allowed: true,
      channel: 'status',
    })
    expect(canPublish(me, 'v1/devices/p-1/image/1782864000000', gatewayOf)).toEqual({
      allowed: true,
      channel: 'image',
      deviceId: 'p-1',
      captureTsMs: 1782864000000,
    })
    expect(canPublish(me, 'v1/devices/p-1/cmd/ack', gatewayOf)).toMatchObject({
      allowed: true,
      channel: 'cmd/ack',
    })
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
      expect(canPublish(me, topic, gatewayOf).allowed, topic).toBe(false)
    }
  })

  it('lets a device subscribe only to its own cmd topic, without wildcards', () => {
    expect(canSubscribe(me, 'v1/devices/p-1/cmd', gatewayOf)).toBe(true)
    for (const filter of ['v1/devices/p-2/cmd', 'v1/devices/+/cmd', 'v1/devices/p-1/#', '#', '$SYS/#']) {
      expect(canSubscribe(me, filter, gatewayOf), filter).toBe(false)
    }
  })

  it('lets a gateway publish only for its own devices and its own status', () => {
    expect(canPublish(gw, 'v1/devices/p-1/telemetry', gatewayOf)).toMatchObject({
      allowed: true,
      deviceId: 'p-1',
    })
    expect(canPublish(gw, 'v1/gateways/gw-1/status', gatewayOf)).toMatchObject({
      allowed: true,
      channel: 'gateway-status',
    })
    expect(canPublish(gw, 'v1/devices/p-2/telemetry', gatewayOf).allowed).toBe(false)
    expect(canPublish(gw, 'v1/devices/p-3/telemetry', gatewayOf).allowed).toBe(false)
    expect(canPublish(gw, 'v1/gateways/gw-2/status', gatewayOf).allowed).toBe(false)
    expect(canPublish(gw, 'v1/devices/p-1/cmd', gatewayOf).allowed).toBe(false)
    // a device cannot act for another device even if both sit behind the same gateway
    expect(canPublish(me, 'v1/devices/p-2/telemetry', () => 'gw-1').allowed).toBe(false)
  })

  it("lets a gateway subscribe to its device list and its devices' commands only", () => {
    expect(canSubscribe(gw, 'v1/gateways/gw-1/devices', gatewayOf)).toBe(true)
    expect(canSubscribe(gw, 'v1/devices/p-1/cmd', gatewayOf)).toBe(true)
    expect(canSubscribe(gw, 'v1/devices/p-2/cmd', gatewayOf)).toBe(false)
    expect(canSubscribe(gw, 'v1/gateways/gw-2/devices', gatewayOf)).toBe(false)
    expect(canSubscribe(gw, 'v1/devices/+/cmd', gatewayOf)).toBe(false)
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
