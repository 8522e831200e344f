import { z } from 'zod'
import { TimestampSchema } from './timestamp.js'

/**
 * Retained device status on `v1/devices/{id}/status`. Devices set their last will to
 * `{"state":"offline"}` and publish `{"state":"online"}` after connecting.
 * @example StatusSchema.parse({ state: 'online', fw: '1.4.2' })
 */
export const StatusSchema = z.strictObject({
  state: z.enum(['online', 'offline']),
  ts: TimestampSchema.optional(),
  fw: z.string().max(64).optional(),
  reason: z.string().max(200).optional(),
})
export type Status = z.output<typeof StatusSchema>
