import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { DEFAULT_LIMITS, loadBrokerConfig, resolveLimits } from './config.js'
import { DEFAULT_RECEIVE_BUFFER } from './receive-buffer.js'

describe('broker config', () => {
  it('has safe defaults: no anonymous access, file persistence under DATA_DIR, no TLS', () => {
    const config = loadBrokerConfig({ DATA_DIR: '/srv/mimamori' })
    expect(config.allowAnonymous).toBe(false)
    expect(config.persistence).toEqual({ dir: '/srv/mimamori/broker', fsync: false })
    expect(config.tls).toBeUndefined()
    expect(resolveLimits(config.limits)).toEqual(DEFAULT_LIMITS)
  })

  it('names the key of a bad or incomplete setting', () => {
    const fail = (env: Record<string, string>) => {
      try {
        loadBrokerConfig(env)
      } catch (err) {
        return z.prettifyError(err as z.ZodError)
      }
      return ''
    }
    expect(fail({ MQTT_TLS_CERT: '/x.crt' })).toMatch(/MQTT_TLS_KEY/)
    expect(fail({ MQTT_MAX_QUEUED: '0' })).toMatch(/MQTT_MAX_QUEUED/)
    expect(fail({ MQTT_ALLOW_ANONYMOUS: 'maybe' })).toMatch(/MQTT_ALLOW_ANONYMOUS/)
    expect(fail({ MQTT_SOCKET_RCVBUF: '1000' })).toMatch(/at least 4096[\s\S]*MQTT_SOCKET_RCVBUF/)
  })

  it('sets a socket receive buffer of its own unless told to leave it to the kernel', () => {
    expect(loadBrokerConfig({}).receiveBuffer).toBe(DEFAULT_RECEIVE_BUFFER)
    expect(loadBrokerConfig({ MQTT_SOCKET_RCVBUF: '0' }).receiveBuffer).toBe(0)
    expect(loadBrokerConfig({ MQTT_SOCKET_RCVBUF: '1048576' }).receiveBuffer).toBe(1048576)
  })

  it('fills limits an older caller leaves out (the gateway passes only payload caps)', () => {
    const limits = resolveLimits({ maxTelemetryBytes: 1000, maxImageBytes: 5000, maxStatusBytes: 100 })
    expect(limits).toMatchObject({ maxTelemetryBytes: 1000, maxQueued: 1000, keepaliveMaxS: 3600 })
  })
})
