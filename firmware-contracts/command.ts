import { z } from 'zod'
import { TimestampSchema } from './timestamp.js'

/**
 * Downlink on `v1/devices/{id}/cmd`: change settings and/or run an action. The device answers on
 * `cmd/ack` with the same `id`.
 * @example CommandSchema.parse({ id: 'c-1', set: { report_interval_s: 300 } })
 */
export const CommandSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    ts: TimestampSchema.optional(),
    set: z
      .strictObject({
        report_interval_s: z.number().int().min(1).max(86_400).optional(),
        image_interval_s: z.number().int().min(10).max(86_400).optional(),
      })
      .optional(),
    action: z.enum(['ping', 'reboot', 'capture']).optional(),
  })
  .refine((cmd) => cmd.set !== undefined || cmd.action !== undefined, 'a command needs `set` or `action`')
export type Command = z.output<typeof CommandSchema>

/** @example CommandAckSchema.parse({ id: 'c-1', ok: true }) */
export const CommandAckSchema = z.strictObject({
  id: z.string().min(1).max(64),
  ok: z.boolean(),
  error: z.string().max(200).optional(),
  ts: TimestampSchema.optional(),
})
export type CommandAck = z.output<typeof CommandAckSchema>
