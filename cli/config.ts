import { resolve } from 'node:path'
import { z } from 'zod'
import { type BrokerConfig, loadBrokerConfig } from '../broker/config.js'
import { type DashboardConfig, loadDashboardConfig } from '../dashboard/server/config.js'
import { type AlertConfig, loadAlertConfig } from '../ingest/alerts/config.js'
import { type IngestConfig, loadIngestConfig } from '../ingest/config.js'

/** A bad setting: the message names the key; the CLI prints it and exits 1. */
export class ConfigError extends Error {
  readonly code = 'CONFIG'
}

const SystemSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  NODE_ENV: z.string().optional(),
  MIMAMORI_DEMO: z.stringbool().optional(),
  MIMAMORI_ADMIN_PASSWORD: z.string().min(12, 'use at least 12 characters').max(256).optional(),
  MIMAMORI_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length >= 32, 'must be at least 32 bytes, base64-encoded')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(2000),
  /** Scale-out: registry, MQTT ACL and dead letters in PostgreSQL (`mimamori broker`, `device …`). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
})

export interface SystemConfig {
  dataDir: string
  demo: boolean
  adminPassword?: string
  secretKey?: Buffer
  logLevel: string
  ingest: IngestConfig
  demoIntervalMs: number
  broker: BrokerConfig
  dashboard: DashboardConfig
  alerts: AlertConfig
  /** DATABASE_URL: the shared PostgreSQL of scale-out brokers (docs/broker.md, "Scale-out"). */
  databaseUrl?: string
}

function parseOrThrow<T>(load: () => T): T {
  try {
    return load()
  } catch (err) {
    if (err instanceof z.ZodError) throw new ConfigError(`invalid configuration:\n${z.prettifyError(err)}`)
    throw err
  }
}

/** Reads the environment once, at start-up; everything else receives the frozen result. */
export function loadSystemConfig(env: Record<string, string | undefined>): SystemConfig {
  const c = parseOrThrow(() => SystemSchema.parse(env))
  const production = c.NODE_ENV === 'production'
  if (production && c.MIMAMORI_DEMO === true) {
    throw new ConfigError(
      'invalid configuration:\n✖ MIMAMORI_DEMO cannot be enabled when NODE_ENV=production\n  → at MIMAMORI_DEMO',
    )
  }
  return Object.freeze({
    dataDir: resolve(c.DATA_DIR),
    demo: c.MIMAMORI_DEMO ?? !production,
    ...(c.MIMAMORI_ADMIN_PASSWORD ? { adminPassword: c.MIMAMORI_ADMIN_PASSWORD } : {}),
    ...(c.MIMAMORI_SECRET_KEY ? { secretKey: Buffer.from(c.MIMAMORI_SECRET_KEY, 'base64') } : {}),
    logLevel: c.LOG_LEVEL,
    ingest: parseOrThrow(() => loadIngestConfig(env)),
    demoIntervalMs: c.DEMO_INTERVAL_MS,
    broker: parseOrThrow(() => loadBrokerConfig(env)),
    dashboard: parseOrThrow(() => loadDashboardConfig(env)),
    alerts: parseOrThrow(() => loadAlertConfig(env)),
    ...(c.DATABASE_URL ? { databaseUrl: c.DATABASE_URL } : {}),
  })
}
