import { z } from 'zod'

const MINUTE = 60_000

export const AlertConfigSchema = z.object({
  /** A reading this much older than its arrival is late (evaluated in ts order, not pushed as new). */
  ALERT_LATE_AFTER_MINUTES: z.coerce.number().positive().default(15),
  /** An alert raised by late readings and still open after this is pushed (batches come in several parts). */
  ALERT_LATE_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  /** How often silence and escalation are checked. */
  ALERT_CHECK_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  /** A reading whose ts is further ahead of its arrival is evaluated at its arrival time. */
  ALERT_CLOCK_SKEW_TOLERANCE_MINUTES: z.coerce.number().min(0).default(5),
  /** Readings kept per (device, metric) for the trend in an alert. */
  ALERT_TREND_POINTS: z.coerce.number().int().min(2).max(500).default(24),
  /** The camera image must lie within this of the trigger time. */
  ALERT_IMAGE_WINDOW_MINUTES: z.coerce.number().positive().default(60),
  /** The dashboard as people reach it, for the acknowledge link in messages. */
  ALERT_PUBLIC_URL: z.url().default('http://localhost:8080'),
  ALERT_TIMEZONE: z.string().default('Asia/Tokyo'),
  /** Signing key for webhooks whose contact entry has no secret of its own. */
  WEBHOOK_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  /** e.g. smtp://user:pass@mail.example.jp:587 ; email is off without it. */
  SMTP_URL: z.url().optional(),
  ALERT_EMAIL_FROM: z.string().default('mimamori <alerts@localhost>'),
  /** LINE Messaging API channel access token; LINE is off without it. */
  LINE_CHANNEL_TOKEN: z.string().min(1).optional(),
  LINE_API_BASE: z.url().default('https://api.line.me'),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  NOTIFY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(1000),
  NOTIFY_BACKOFF_MAX_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * MINUTE),
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Deliveries waiting beyond this go to the dead-letter table at once: memory stays bounded. */
  NOTIFY_QUEUE_MAX: z.coerce.number().int().min(10).default(10_000),
})

export interface AlertConfig {
  lateAfterMs: number
  lateGraceMs: number
  checkIntervalMs: number
  skewToleranceMs: number
  trendPoints: number
  imageWindowMs: number
  publicUrl: string
  timeZone: string
  webhookSecret?: string
  smtpUrl?: string
  emailFrom: string
  lineToken?: string
  lineApiBase: string
  retry: { maxAttempts: number; baseMs: number; maxMs: number; timeoutMs: number; queueMax: number }
}

export const DEFAULT_ALERT_CONFIG: AlertConfig = loadAlertConfig({})

export function loadAlertConfig(env: Record<string, string | undefined>): AlertConfig {
  const c = AlertConfigSchema.parse(env)
  return Object.freeze({
    lateAfterMs: c.ALERT_LATE_AFTER_MINUTES * MINUTE,
    lateGraceMs: c.ALERT_LATE_GRACE_SECONDS * 1000,
    checkIntervalMs: c.ALERT_CHECK_INTERVAL_SECONDS * 1000,
    skewToleranceMs: c.ALERT_CLOCK_SKEW_TOLERANCE_MINUTES * MINUTE,
    trendPoints: c.ALERT_TREND_POINTS,
    imageWindowMs: c.ALERT_IMAGE_WINDOW_MINUTES * MINUTE,
    publicUrl: c.ALERT_PUBLIC_URL.replace(/\/$/, ''),
    timeZone: c.ALERT_TIMEZONE,
    ...(c.WEBHOOK_SECRET ? { webhookSecret: c.WEBHOOK_SECRET } : {}),
    ...(c.SMTP_URL ? { smtpUrl: c.SMTP_URL } : {}),
    emailFrom: c.ALERT_EMAIL_FROM,
    ...(c.LINE_CHANNEL_TOKEN ? { lineToken: c.LINE_CHANNEL_TOKEN } : {}),
    lineApiBase: c.LINE_API_BASE.replace(/\/$/, ''),
    retry: Object.freeze({
      maxAttempts: c.NOTIFY_MAX_ATTEMPTS,
      baseMs: c.NOTIFY_BACKOFF_BASE_MS,
      maxMs: c.NOTIFY_BACKOFF_MAX_MS,
      timeoutMs: c.NOTIFY_TIMEOUT_MS,
      queueMax: c.NOTIFY_QUEUE_MAX,
    }),
  })
}
