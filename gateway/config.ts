import { resolve } from 'node:path'
import { z } from 'zod'
import {
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_TELEMETRY_BYTES,
  DEVICE_ID_PATTERN,
} from '../firmware-contracts/index.js'

const port = z.coerce.number().int().min(0).max(65_535)
const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

export const GatewayConfigSchema = z.object({
  GATEWAY_ID: z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, - and _, 1-64 chars'),
  GATEWAY_PASSWORD: z.string().min(1),
  GATEWAY_DEVICE_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length >= 16, 'must be the base64 key printed by `gateway add`'),
  CENTRAL_MQTT_URL: z
    .string()
    .refine((v) => /^(mqtts?|wss?):\/\/[^/]+/.test(v), 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  GATEWAY_MQTT_HOST: z.string().default('0.0.0.0'),
  GATEWAY_MQTT_PORT: port.default(1883),
  GATEWAY_MQTT_WS_PORT: port.default(8083),
  GATEWAY_HTTP_HOST: z.string().default('0.0.0.0'),
  GATEWAY_HTTP_PORT: port.default(8081),
  GATEWAY_DATA_DIR: z.string().min(1).default('./gateway-data'),
  /** Disk the outbox may use; past it the gateway stops acknowledging new readings. */
  GATEWAY_DISK_BUDGET_MB: z.coerce.number().min(0.01).max(1_000_000).default(512),
  /** Readings per second sent from the backlog after a reconnect (live readings come on top). */
  GATEWAY_BACKFILL_RATE: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Cap on one backfill message; keep it under the centre's MQTT_MAX_TELEMETRY_BYTES. */
  GATEWAY_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(15_000),
  GATEWAY_MAX_TELEMETRY_BYTES: z.coerce.number().int().min(256).default(DEFAULT_MAX_TELEMETRY_BYTES),
  GATEWAY_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_IMAGE_BYTES),
  GATEWAY_RECONNECT_MS: ms(50, 600_000).default(1000),
  GATEWAY_RECONNECT_MAX_MS: ms(50, 3_600_000).default(30_000),
  GATEWAY_KEEPALIVE_S: z.coerce.number().int().min(1).max(3600).default(30),
  GATEWAY_STATUS_INTERVAL_MS: ms(100, 3_600_000).default(30_000),
  /** After connecting, how long to wait for the centre's retained device list before forwarding. */
  GATEWAY_DEVICE_LIST_WAIT_MS: ms(0, 600_000).default(10_000),
})

export interface GatewayConfig {
  gatewayId: string
  password: string
  deviceKey: Buffer
  centralUrl: string
  mqtt: {
    host: string
    port: number
    wsPort: number
    limits: { maxTelemetryBytes: number; maxImageBytes: number; maxStatusBytes: number }
  }
  http: { host: string; port: number }
  dataDir: string
  diskBudgetBytes: number
  /** Outbox segment size: a segment is deleted once everything in it reached the centre. */
  segmentBytes: number
  backfillRate: number
  maxBatchBytes: number
  reconnectMs: number
  reconnectMaxMs: number
  keepaliveS: number
  statusIntervalMs: number
  deviceListWaitMs: number
}

/** Segments of 1/8 of the budget (4 KB .. 4 MB): space comes back in steps of one segment. */
export function segmentBytesFor(budgetBytes: number): number {
  return Math.max(4096, Math.min(4 * 1024 * 1024, Math.floor(budgetBytes / 8)))
}

/** Throws a ZodError naming the bad key; `runGatewayProcess` prints it and exits 1. */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const c = GatewayConfigSchema.parse(env)
  const diskBudgetBytes = Math.floor(c.GATEWAY_DISK_BUDGET_MB * 1024 * 1024)
  return Object.freeze({
    gatewayId: c.GATEWAY_ID,
    password: c.GATEWAY_PASSWORD,
    deviceKey: Buffer.from(c.GATEWAY_DEVICE_KEY, 'base64'),
    centralUrl: c.CENTRAL_MQTT_URL,
    mqtt: Object.freeze({
      host: c.GATEWAY_MQTT_HOST,
      port: c.GATEWAY_MQTT_PORT,
      wsPort: c.GATEWAY_MQTT_WS_PORT,
      limits: Object.freeze({
        maxTelemetryBytes: c.GATEWAY_MAX_TELEMETRY_BYTES,
        maxImageBytes: c.GATEWAY_MAX_IMAGE_BYTES,
        maxStatusBytes: 1024,
      }),
    }),
    http: Object.freeze({ host: c.GATEWAY_HTTP_HOST, port: c.GATEWAY_HTTP_PORT }),
    dataDir: resolve(c.GATEWAY_DATA_DIR),
    diskBudgetBytes,
    segmentBytes: segmentBytesFor(diskBudgetBytes),
    backfillRate: c.GATEWAY_BACKFILL_RATE,
    maxBatchBytes: c.GATEWAY_MAX_BATCH_BYTES,
    reconnectMs: c.GATEWAY_RECONNECT_MS,
    reconnectMaxMs: Math.max(c.GATEWAY_RECONNECT_MS, c.GATEWAY_RECONNECT_MAX_MS),
    keepaliveS: c.GATEWAY_KEEPALIVE_S,
    statusIntervalMs: c.GATEWAY_STATUS_INTERVAL_MS,
    deviceListWaitMs: c.GATEWAY_DEVICE_LIST_WAIT_MS,
  })
}
