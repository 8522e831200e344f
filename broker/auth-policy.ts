/**
 * Who may publish and subscribe where: pure functions over an identity and a topic, so the rules
 * are testable without a broker. aedes hooks (aedes-hooks.ts) are thin adapters over these.
 */
import {
  cmdTopic,
  devicePrefix,
  gatewayDevicesTopic,
  gatewayStatusTopic,
  parseDeviceTopic,
} from '../firmware-contracts/index.js'

export type Identity = { role: 'device'; deviceId: string } | { role: 'gateway'; gatewayId: string }

/** Which gateway a device is assigned to (DESIGN.md, "Gateways"), or null. */
export type GatewayOf = (deviceId: string) => string | null | undefined

export type PublishDecision =
  | {
      allowed: true
      channel: 'telemetry' | 'status' | 'image' | 'cmd/ack' | 'gateway-status'
      /** The device the message is about (for a gateway: the device it forwards for). */
      deviceId?: string
      captureTsMs?: number
    }
  | { allowed: false; reason: string }

export const identityName = (identity: Identity) =>
  identity.role === 'device' ? identity.deviceId : identity.gatewayId

/**
 * A device publishes only its own telemetry, status, images and command acks; a gateway
 * publishes its own status and the same channels for exactly the devices assigned to it.
 */
export function canPublish(identity: Identity, topic: string, gatewayOf: GatewayOf): PublishDecision {
  if (topic.startsWith('$')) return { allowed: false, reason: `${topic.split('/')[0]} topics are reserved` }
  if (identity.role === 'gateway' && topic === gatewayStatusTopic(identity.gatewayId)) {
    return { allowed: true, channel: 'gateway-status' }
  }
  const parsed = parseDeviceTopic(topic)
  const mayActFor =
    parsed &&
    (identity.role === 'device'
      ? parsed.deviceId === identity.deviceId && topic.startsWith(devicePrefix(identity.deviceId))
      : gatewayOf(parsed.deviceId) === identity.gatewayId)
  if (!parsed || !mayActFor)
    return { allowed: false, reason: `${identityName(identity)} may not publish to ${topic}` }
  if (parsed.channel === 'cmd') return { allowed: false, reason: 'cmd is a downlink topic' }
  return {
    allowed: true,
    channel: parsed.channel,
    deviceId: parsed.deviceId,
    ...(parsed.captureTsMs === undefined ? {} : { captureTsMs: parsed.captureTsMs }),
  }
}

/**
 * A device subscribes only to its own command topic; a gateway to its device list and the
 * command topics of its devices. No wildcards for either.
 */
export function canSubscribe(identity: Identity, filter: string, gatewayOf: GatewayOf): boolean {
  if (identity.role === 'device') return filter === cmdTopic(identity.deviceId)
  if (filter === gatewayDevicesTopic(identity.gatewayId)) return true
  const parsed = parseDeviceTopic(filter)
  return parsed?.channel === 'cmd' && gatewayOf(parsed.deviceId) === identity.gatewayId
}

/** The client id must be the device or gateway id, so one cannot take over another's session. */
export function clientIdMatches(identity: Identity, clientId: string): boolean {
  return clientId === identityName(identity)
}
