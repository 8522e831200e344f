import { ConfigError, type SystemConfig } from './config.js'

const configError = (key: string, message: string) =>
  new ConfigError(`invalid configuration:\n✖ ${message}\n  → at ${key}`)

/** What a scale-out broker needs, checked before anything is opened; the message names the key. */
export function checkBrokerProcessConfig(config: SystemConfig): void {
  if (config.broker.redisUrl === undefined) return
  if (!config.databaseUrl)
    throw configError(
      'DATABASE_URL',
      'REDIS_URL (several brokers) needs DATABASE_URL: the registry must be shared, and the DuckDB file admits one process',
    )
  if (config.ingest.store.kind !== 'influx')
    throw configError(
      'STORE',
      'REDIS_URL (several brokers) needs STORE=influx: readings go to the external TSDB, the DuckDB file admits one process',
    )
}

/** Every broker and the CLI hash device secrets with the same key, so it comes from the environment. */
export function sharedSecretKey(config: SystemConfig): Buffer {
  if (!config.secretKey)
    throw configError(
      'MIMAMORI_SECRET_KEY',
      'DATABASE_URL needs MIMAMORI_SECRET_KEY (the same in every broker and for the CLI): device secrets are hashed with it',
    )
  return config.secretKey
}
