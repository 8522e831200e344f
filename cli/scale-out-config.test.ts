import { describe, expect, it } from 'vitest'
import { ConfigError, loadSystemConfig } from './config.js'
import { checkBrokerProcessConfig, sharedSecretKey } from './scale-out-config.js'

const base = { DATA_DIR: '/tmp/mimamori-unused', MIMAMORI_DEMO: '0' }
const config = (env: Record<string, string>) => loadSystemConfig({ ...base, ...env })

describe('scale-out configuration', () => {
  it('needs DATABASE_URL and STORE=influx beside REDIS_URL, naming the missing key', () => {
    expect(() => checkBrokerProcessConfig(config({ REDIS_URL: 'redis://127.0.0.1:6379' }))).toThrow(
      /at DATABASE_URL/,
    )
    expect(() =>
      checkBrokerProcessConfig(
        config({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://db.example/mimamori' }),
      ),
    ).toThrow(/at STORE/)
    expect(() =>
      checkBrokerProcessConfig(
        config({
          REDIS_URL: 'redis://127.0.0.1:6379',
          DATABASE_URL: 'postgres://db.example/mimamori',
          STORE: 'influx',
          INFLUX_URL: 'http://127.0.0.1:8428',
        }),
      ),
    ).not.toThrow()
    // alone, `mimamori broker` needs neither
    expect(() => checkBrokerProcessConfig(config({}))).not.toThrow()
  })

  it('refuses URLs of the wrong kind and a missing shared secret key', () => {
    expect(() => config({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError)
    expect(() => config({ DATABASE_URL: 'mysql://db' })).toThrow(/DATABASE_URL/)
    expect(() => sharedSecretKey(config({ DATABASE_URL: 'postgres://db/m' }))).toThrow(/MIMAMORI_SECRET_KEY/)
    const key = Buffer.alloc(32, 1).toString('base64')
    expect(sharedSecretKey(config({ MIMAMORI_SECRET_KEY: key })).length).toBe(32)
  })
})
