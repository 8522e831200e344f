import { z } from 'zod'

export const DashboardConfigSchema = z.object({
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(12),
  /** Set when the dashboard is served over HTTPS (directly or behind a proxy). */
  COOKIE_SECURE: z.stringbool().default(false),
  LIVE_FRAME_INTERVAL_MS: z.coerce.number().int().min(50).max(10_000).default(250),
  SILENT_AFTER_MINUTES: z.coerce.number().positive().default(30),
  DASHBOARD_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone })
        return true
      } catch {
        return false
      }
    }, 'an IANA time zone, e.g. Asia/Tokyo')
    .default('Asia/Tokyo'),
})

export interface DashboardConfig {
  host: string
  port: number
  sessionTtlMs: number
  secureCookie: boolean
  frameIntervalMs: number
  silentAfterMs: number
  timeZone: string
}

export function loadDashboardConfig(env: Record<string, string | undefined>): DashboardConfig {
  const c = DashboardConfigSchema.parse(env)
  return Object.freeze({
    host: c.HTTP_HOST,
    port: c.HTTP_PORT,
    sessionTtlMs: c.SESSION_TTL_HOURS * 3_600_000,
    secureCookie: c.COOKIE_SECURE,
    frameIntervalMs: c.LIVE_FRAME_INTERVAL_MS,
    silentAfterMs: c.SILENT_AFTER_MINUTES * 60_000,
    timeZone: c.DASHBOARD_TIME_ZONE,
  })
}
