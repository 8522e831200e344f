import { join, resolve } from 'node:path'
import { z } from 'zod'
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_TELEMETRY_BYTES } from '../firmware-contracts/index.js'
import { DEFAULT_RECEIVE_BUFFER } from './receive-buffer.js'

const port = z.coerce.number().int().min(0).max(65_535)
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const bool = z.stringbool()

export const BrokerConfigSchema = z.object({
  MQTT_HOST: z.string().default('0.0.0.0'),
  MQTT_PORT: port.default(1883),
  MQTT_WS_PORT: port.default(8083),
  /** TLS listeners run only when both MQTT_TLS_CERT and MQTT_TLS_KEY are set. */
  MQTTS_PORT: port.default(8883),
  MQTT_WSS_PORT: port.default(8084),
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  /** CA for client certificates; with it, a device may authenticate by a certificate whose CN is its id. */
  MQTT_TLS_CA: z.string().min(1).optional(),
  MQTT_TLS_REQUIRE_CLIENT_CERT: bool.default(false),
  MQTT_ALLOW_ANONYMOUS: bool.default(false),
  MQTT_ACL_FILE: z.string().min(1).optional(),
  MQTT_PERSISTENCE: z.enum(['file', 'memory']).default('file'),
  /** Default: DATA_DIR/broker. */
  MQTT_PERSISTENCE_DIR: z.string().min(1).optional(),
  MQTT_PERSISTENCE_FSYNC: bool.default(false),
  /** SO_RCVBUF of every MQTT connection in bytes (Linux books twice it); 0 leaves it to the kernel. */
  MQTT_SOCKET_RCVBUF: int(0, 64 * 1024 * 1024)
    .refine((bytes) => bytes === 0 || bytes >= 4096, 'must be 0 (the kernel decides) or at least 4096')
    .default(DEFAULT_RECEIVE_BUFFER),
  /** Scale-out: sessions, retained messages and the message bus shared over Redis (`mimamori broker`). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  MQTT_MAX_TELEMETRY_BYTES: z.coerce.number().int().min(256).default(DEFAULT_MAX_TELEMETRY_BYTES),
  MQTT_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_IMAGE_BYTES),
  MQTT_MAX_CONNECTIONS: int(1, 1_000_000).default(20_000),
  MQTT_CONN_RATE_PER_IP: z.coerce.number().min(0).max(1_000_000).default(100),
  MQTT_CONN_BURST_PER_IP: int(1, 1_000_000).default(500),
  MQTT_CONN_RATE_EXEMPT: z.string().default('127.0.0.1,::1,::ffff:127.0.0.1'),
  MQTT_CONNECT_TIMEOUT_MS: int(500, 120_000).default(10_000),
  MQTT_KEEPALIVE_MAX_S: int(1, 65_535).default(3600),
  MQTT_DRAIN_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  MQTT_MAX_QUEUED: int(1, 1_000_000).default(1000),
  MQTT_MAX_INFLIGHT_IN: int(1, 65_535).default(100),
  MQTT_MAX_SUBSCRIPTIONS: int(1, 100_000).default(100),
  MQTT_MAX_TOPIC_LEVELS: int(5, 100).default(32),
  MQTT_MAX_TOPIC_BYTES: int(64, 65_535).default(4096),
  MQTT_MAX_RETAINED: int(1, 10_000_000).default(100_000),
  MQTT_AUTH_FAIL_WINDOW_S: int(1, 86_400).default(60),
  MQTT_AUTH_FAIL_MAX_PER_IP: int(0, 1_000_000).default(20),
  MQTT_AUTH_FAIL_MAX_PER_USER: int(0, 1_000_000).default(10),
  MQTT_AUTH_FAIL_DELAY_MS: int(0, 10_000).default(200),
})

/** Limits with defaults; all but the first three are optional so older callers keep working. */
export interface BrokerLimits {
  maxTelemetryBytes: number
  maxImageBytes: number
  maxStatusBytes: number
  maxConnections?: number
  /** New connections per second and IP (token bucket); 0 = unlimited. */
  connRatePerIp?: number
  connBurstPerIp?: number
  connRateExempt?: readonly string[]
  connectTimeoutMs?: number
  keepaliveMaxS?: number
  drainTimeoutMs?: number
  /** QoS 1/2 messages queued per persistent session (offline, or sent and not yet acknowledged). */
  maxQueued?: number
  /** Inbound QoS 2 messages awaiting PUBREL per client. */
  maxInflightIn?: number
  maxSubscriptions?: number
  maxTopicLevels?: number
  maxTopicBytes?: number
  maxRetained?: number
  authFailWindowMs?: number
  /** 0 turns the per-IP or per-username lockout off. */
  authFailMaxPerIp?: number
  authFailMaxPerUser?: number
  authFailDelayMs?: number
}

export interface TlsConfig {
  port: number
  wssPort: number
  certFile: string
  keyFile: string
  caFile?: string
  requireClientCert: boolean
}

export interface BrokerConfig {
  host: string
  port: number
  wsPort: number
  limits: BrokerLimits
  tls?: TlsConfig
  allowAnonymous?: boolean
  aclFile?: string
  /** SO_RCVBUF asked for on the listeners (broker/receive-buffer.ts); undefined or 0: the kernel's. */
  receiveBuffer?: number
  /** Directory of the file-backed session store; without it sessions and retained messages live in memory. */
  persistence?: { dir: string; fsync: boolean }
  /**
   * REDIS_URL: for `mimamori broker`, which then shares sessions, retained messages and the bus
   * with its peers (broker/redis-backplane.ts) instead of keeping the session journal.
   */
  redisUrl?: string
}

export const DEFAULT_LIMITS: Required<BrokerLimits> = Object.freeze({
  maxTelemetryBytes: DEFAULT_MAX_TELEMETRY_BYTES,
  maxImageBytes: DEFAULT_MAX_IMAGE_BYTES,
  maxStatusBytes: 1024,
  maxConnections: 20_000,
  connRatePerIp: 100,
  connBurstPerIp: 500,
  connRateExempt: ['127.0.0.1', '::1', '::ffff:127.0.0.1'],
  connectTimeoutMs: 10_000,
  keepaliveMaxS: 3600,
  drainTimeoutMs: 30_000,
  maxQueued: 1000,
  maxInflightIn: 100,
  maxSubscriptions: 100,
  maxTopicLevels: 32,
  maxTopicBytes: 4096,
  maxRetained: 100_000,
  authFailWindowMs: 60_000,
  authFailMaxPerIp: 20,
  authFailMaxPerUser: 10,
  authFailDelayMs: 200,
})

export function resolveLimits(limits: BrokerLimits): Required<BrokerLimits> {
  const defined = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined))
  return Object.freeze({ ...DEFAULT_LIMITS, ...defined })
}

/** Throws a ZodError naming the bad key; the CLI prints it and exits 1. */
export function loadBrokerConfig(env: Record<string, string | undefined>): BrokerConfig {
  const p = BrokerConfigSchema.parse(env)
  if (Boolean(p.MQTT_TLS_CERT) !== Boolean(p.MQTT_TLS_KEY)) {
    throw new z.ZodError([
      {
        code: 'custom',
        path: [p.MQTT_TLS_CERT ? 'MQTT_TLS_KEY' : 'MQTT_TLS_CERT'],
        message: 'MQTT_TLS_CERT and MQTT_TLS_KEY go together',
        input: undefined,
      },
    ])
  }
  const tls: TlsConfig | undefined =
    p.MQTT_TLS_CERT && p.MQTT_TLS_KEY
      ? {
          port: p.MQTTS_PORT,
          wssPort: p.MQTT_WSS_PORT,
          certFile: resolve(p.MQTT_TLS_CERT),
          keyFile: resolve(p.MQTT_TLS_KEY),
          ...(p.MQTT_TLS_CA ? { caFile: resolve(p.MQTT_TLS_CA) } : {}),
          requireClientCert: p.MQTT_TLS_REQUIRE_CLIENT_CERT,
        }
      : undefined
  return Object.freeze({
    host: p.MQTT_HOST,
    port: p.MQTT_PORT,
    wsPort: p.MQTT_WS_PORT,
    receiveBuffer: p.MQTT_SOCKET_RCVBUF,
    limits: Object.freeze({
      maxTelemetryBytes: p.MQTT_MAX_TELEMETRY_BYTES,
      maxImageBytes: p.MQTT_MAX_IMAGE_BYTES,
      maxStatusBytes: 1024,
      maxConnections: p.MQTT_MAX_CONNECTIONS,
      connRatePerIp: p.MQTT_CONN_RATE_PER_IP,
      connBurstPerIp: p.MQTT_CONN_BURST_PER_IP,
      connRateExempt: p.MQTT_CONN_RATE_EXEMPT.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      connectTimeoutMs: p.MQTT_CONNECT_TIMEOUT_MS,
      keepaliveMaxS: p.MQTT_KEEPALIVE_MAX_S,
      drainTimeoutMs: p.MQTT_DRAIN_TIMEOUT_MS,
      maxQueued: p.MQTT_MAX_QUEUED,
      maxInflightIn: p.MQTT_MAX_INFLIGHT_IN,
      maxSubscriptions: p.MQTT_MAX_SUBSCRIPTIONS,
      maxTopicLevels: p.MQTT_MAX_TOPIC_LEVELS,
      maxTopicBytes: p.MQTT_MAX_TOPIC_BYTES,
      maxRetained: p.MQTT_MAX_RETAINED,
      authFailWindowMs: p.MQTT_AUTH_FAIL_WINDOW_S * 1000,
      authFailMaxPerIp: p.MQTT_AUTH_FAIL_MAX_PER_IP,
      authFailMaxPerUser: p.MQTT_AUTH_FAIL_MAX_PER_USER,
      authFailDelayMs: p.MQTT_AUTH_FAIL_DELAY_MS,
    }),
    ...(tls ? { tls } : {}),
    allowAnonymous: p.MQTT_ALLOW_ANONYMOUS,
    ...(p.MQTT_ACL_FILE ? { aclFile: resolve(p.MQTT_ACL_FILE) } : {}),
    ...(p.REDIS_URL ? { redisUrl: p.REDIS_URL } : {}),
    ...(p.MQTT_PERSISTENCE === 'file'
      ? {
          persistence: {
            dir: resolve(p.MQTT_PERSISTENCE_DIR ?? join(p.DATA_DIR, 'broker')),
            fsync: p.MQTT_PERSISTENCE_FSYNC,
          },
        }
      : {}),
  })
}
