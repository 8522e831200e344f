import { z } from 'zod'

/** Earliest and latest instants a device may report (2000-01-01 .. 2100-01-01 UTC), in epoch ms. */
export const MIN_TS_MS = 946_684_800_000
export const MAX_TS_MS = 4_102_444_800_000

/**
 * A reading time: an RFC 3339 string with offset, or epoch milliseconds. Parses to epoch ms.
 * @example TimestampSchema.parse('2026-07-01T09:00:00+09:00') // 1782864000000
 */
export const TimestampSchema = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(MIN_TS_MS).max(MAX_TS_MS)])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : Date.parse(value)
    if (!Number.isFinite(ms) || ms < MIN_TS_MS || ms > MAX_TS_MS) {
      ctx.addIssue({ code: 'custom', message: 'timestamp out of the range 2000..2100' })
      return z.NEVER
    }
    return ms
  })
  .meta({ description: 'RFC 3339 date-time with offset, or epoch milliseconds (UTC)' })
