import { describe, expect, it } from 'vitest'
import { ConfigError, loadSystemConfig } from './config.js'

describe('system config', () => {
  it('has working embedded defaults', () => {
    const config = loadSystemConfig({})
    expect(config.broker.port).toBe(1883)
    expect(config.broker.wsPort).toBe(8083)
    expect(config.dashboard.port).toBe(8080)
    expect(config.demo).toBe(true)
    expect(config.dataDir.endsWith('/data')).toBe(true)
  })

  it('names the bad key', () => {
    expect(() => loadSystemConfig({ HTTP_PORT: 'eighty' })).toThrow(/HTTP_PORT/)
    expect(() => loadSystemConfig({ MQTT_PORT: '70000' })).toThrow(/MQTT_PORT/)
    expect(() => loadSystemConfig({ MIMAMORI_ADMIN_PASSWORD: 'short' })).toThrow(/MIMAMORI_ADMIN_PASSWORD/)
    expect(() => loadSystemConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError)
    expect(() => loadSystemConfig({ DASHBOARD_TIME_ZONE: 'Mars/Olympus' })).toThrow(/DASHBOARD_TIME_ZONE/)
    expect(loadSystemConfig({ DASHBOARD_TIME_ZONE: 'Asia/Manila' }).dashboard.timeZone).toBe('Asia/Manila')
  })

  it('disables the demo in production and refuses to force it on', () => {
    expect(loadSystemConfig({ NODE_ENV: 'production' }).demo).toBe(false)
    expect(() => loadSystemConfig({ NODE_ENV: 'production', MIMAMORI_DEMO: '1' })).toThrow(/MIMAMORI_DEMO/)
    expect(loadSystemConfig({ MIMAMORI_DEMO: '0' }).demo).toBe(false)
  })
})
