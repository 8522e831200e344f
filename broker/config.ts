import { z } from 'zod'
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_TELEMETRY_BYTES } from '../firmware-contracts/index.js'

const port = z.coerce.number().int().min(0).max(65_535)

export const BrokerConfigSchema = z.object({
  MQTT_HOST: z.string().default('0.0.0.0'),
  MQTT_PORT: port.default(1883),
  MQTT_WS_PORT: port.default(8083),
  MQTT_MAX_TELEMETRY_BYTES: z.coerce.number().int().min(256).default(DEFAULT_MAX_TELEMETRY_BYTES),
  MQTT_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_IMAGE_BYTES),
})

export interface BrokerConfig {
  host: string
  port: number
  wsPort: number
  limits: { maxTelemetryBytes: number; maxImageBytes: number; maxStatusBytes: number }
}

/** Throws a ZodError naming the bad key; the CLI prints it and exits 1. */
export function loadBrokerConfig(env: Record<string, string | undefined>): BrokerConfig {
  const parsed = BrokerConfigSchema.parse(env)
  return Object.freeze({
    host: parsed.MQTT_HOST,
    port: parsed.MQTT_PORT,
    wsPort: parsed.MQTT_WS_PORT,
    limits: Object.freeze({
      maxTelemetryBytes: parsed.MQTT_MAX_TELEMETRY_BYTES,
      maxImageBytes: parsed.MQTT_MAX_IMAGE_BYTES,
      maxStatusBytes: 1024,
    }),
  })
}
