import { z } from 'zod'
import { DEVICE_KINDS } from '../../../firmware-contracts/index.js'

/**
 * Shapes of the main responses, for the OpenAPI document; an integration test parses real
 * responses with them, so the document cannot drift from what the server sends.
 */
const Severity = z.enum(['info', 'watch', 'warning', 'critical'])
const LatestMap = z.record(z.string(), z.object({ ts: z.number(), value: z.number() }))

export const DeviceSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(DEVICE_KINDS),
  site: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  createdAt: z.number(),
  lastSeen: z.number().nullable(),
  latest: LatestMap,
  status: z.enum(['normal', 'info', 'watch', 'warning', 'critical', 'silent', 'unknown']),
  openAlerts: z.number().int(),
})

export const DeviceListSchema = z.object({ devices: z.array(DeviceSummarySchema) })

export const ReadingsResponseSchema = z.object({
  deviceId: z.string(),
  metric: z.string().nullable(),
  unit: z.string(),
  from: z.number(),
  to: z.number(),
  step: z.number().nullable().meta({ description: 'bucket width in ms; null for raw points' }),
  points: z.array(
    z.union([
      z.object({ ts: z.number(), value: z.number() }),
      z.object({
        ts: z.number(),
        min: z.number(),
        max: z.number(),
        avg: z.number(),
        last: z.number(),
        count: z.number(),
      }),
    ]),
  ),
})

export const AlertSchema = z.object({
  id: z.number(),
  ruleId: z.string(),
  deviceId: z.string(),
  kind: z.string().nullable(),
  site: z.string().nullable(),
  metric: z.string(),
  severity: Severity,
  state: z.enum(['raised', 'cleared']),
  message: z.string(),
  value: z.number(),
  threshold: z.number(),
  raisedAt: z.number(),
  clearedAt: z.number().nullable(),
})

export const AlertListSchema = z.object({ alerts: z.array(AlertSchema) })

export const LoginResponseSchema = z.object({
  token: z.string(),
  user: z.object({ username: z.string(), role: z.enum(['admin', 'operator', 'viewer']) }),
  expiresAt: z.number(),
})

export const ErrorSchema = z.object({ error: z.string() })
