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

const Point = z.object({ ts: z.number(), value: z.number() })

/** What an alert rests on (ingest/alerts/evidence.ts). */
export const AlertEvidenceSchema = z.object({
  metric: z.string(),
  unit: z.string(),
  value: z.number(),
  threshold: z.number(),
  op: z.enum(['above', 'below']).optional(),
  since: z.number().optional(),
  stage: z.string().optional(),
  trend: z.array(Point).meta({ description: 'last readings up to the trigger, for a mini chart' }),
  rate: z
    .object({ value: z.number(), threshold: z.number(), perMs: z.number(), unit: z.string() })
    .optional(),
  forecast: z
    .object({ target: z.number(), etaMs: z.number(), reachesAt: z.number(), ratePerHour: z.number() })
    .optional(),
  fault: z.enum(['stuck', 'jump', 'out_of_range']).optional(),
  silence: z
    .object({
      lastSeenAt: z.number().nullable(),
      expectedIntervalMs: z.number(),
      intervalSource: z.enum(['configured', 'learned', 'default']),
      missed: z.number(),
      cause: z.enum(['device', 'battery', 'link']),
    })
    .optional(),
  gateway: z
    .object({ gatewayId: z.string(), silent: z.array(z.string()), total: z.number(), reason: z.string() })
    .optional(),
  image: z
    .object({ deviceId: z.string(), captureTs: z.number(), url: z.string(), offsetMs: z.number() })
    .optional(),
  late: z.boolean().optional(),
  clockSkewMs: z.number().optional(),
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
  // issue 4: lifecycle, evidence and labels (ingest/alerts; docs/alerts.md)
  type: z
    .string()
    .meta({ description: 'rule type: threshold, battery, rate, forecast, silence, fault, gateway' }),
  subject: z
    .enum(['device', 'gateway'])
    .meta({ description: 'gateway: a group incident; deviceId is the gateway id' }),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  ackNote: z.string().nullable(),
  escalationLevel: z.number().int(),
  historical: z
    .boolean()
    .meta({ description: 'raised and cleared by late (backfilled) readings; never pushed' }),
  late: z.boolean(),
  evidence: AlertEvidenceSchema.nullable(),
  severityLabel: z.object({ ja: z.string(), en: z.string(), symbol: z.string() }),
})

export const AlertListSchema = z.object({ alerts: z.array(AlertSchema) })

export const AlertDetailSchema = z.object({
  alert: AlertSchema,
  events: z.array(
    z.object({
      alertId: z.number(),
      event: z.enum(['raised', 'acknowledged', 'escalated', 'cleared', 'historical']),
      at: z.number(),
      value: z.number(),
      actor: z.string().nullable(),
      note: z.string().nullable(),
    }),
  ),
})

export const MaintenanceWindowSchema = z.object({
  id: z.number(),
  scope: z.enum(['device', 'site']),
  target: z.string(),
  startsAt: z.number(),
  endsAt: z.number().nullable(),
  reason: z.string(),
  openedBy: z.string(),
  openedAt: z.number(),
  closedBy: z.string().nullable(),
  closedAt: z.number().nullable(),
})

export const LoginResponseSchema = z.object({
  token: z.string(),
  user: z.object({ username: z.string(), role: z.enum(['admin', 'operator', 'viewer']) }),
  expiresAt: z.number(),
})

export const ErrorSchema = z.object({ error: z.string() })
