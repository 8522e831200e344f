import { z } from 'zod'
import { DEVICE_KINDS } from './kinds.js'
import { TimestampSchema } from './timestamp.js'
import { CONTRACT_VERSION, DEVICE_ID_PATTERN } from './topics.js'

/** @example gatewayDevicesTopic('gw-1') // 'v1/gateways/gw-1/devices' */
export function gatewayDevicesTopic(gatewayId: string): string {
  return `${CONTRACT_VERSION}/gateways/${gatewayId}/devices`
}

/** Parses `v1/gateways/{id}/{status|devices}`; anything else gives null. */
export function parseGatewayTopic(
  topic: string,
): { gatewayId: string; channel: 'status' | 'devices' } | null {
  const parts = topic.split('/')
  if (parts.length !== 4 || parts[0] !== CONTRACT_VERSION || parts[1] !== 'gateways') return null
  const gatewayId = parts[2] as string
  if (!DEVICE_ID_PATTERN.test(gatewayId)) return null
  return parts[3] === 'status' || parts[3] === 'devices' ? { gatewayId, channel: parts[3] } : null
}

/**
 * Retained gateway status on `v1/gateways/{id}/status` (its will sets `offline`). `backlog` is
 * the number of readings waiting for the uplink; `accepting: false` means its disk budget is full
 * and it has stopped acknowledging devices.
 * @example GatewayStatusSchema.parse({ state: 'online', backlog: 0, accepting: true })
 */
export const GatewayStatusSchema = z.strictObject({
  state: z.enum(['online', 'offline']),
  ts: TimestampSchema.optional(),
  backlog: z.number().int().nonnegative().optional(),
  oldestUnsentTs: z.number().int().nonnegative().nullable().optional(),
  accepting: z.boolean().optional(),
  devices: z.number().int().nonnegative().optional(),
})
export type GatewayStatus = z.output<typeof GatewayStatusSchema>

/**
 * Retained by the centre on `v1/gateways/{id}/devices`: the devices a gateway serves, with their
 * password hashes keyed with that gateway's own device key, so it can authenticate them offline.
 */
export const GatewayDevicesSchema = z.strictObject({
  gatewayId: z.string(),
  devices: z.array(
    z.strictObject({
      id: z.string().regex(DEVICE_ID_PATTERN),
      kind: z.enum(DEVICE_KINDS),
      secretHash: z.string(),
    }),
  ),
})
export type GatewayDevices = z.output<typeof GatewayDevicesSchema>
