/**
 * Who may publish and subscribe where: pure functions over an identity and a topic, so the rules
 * are testable without a broker. aedes hooks (aedes-hooks.ts) are thin adapters over these.
 */
import { cmdTopic, devicePrefix, parseDeviceTopic } from '../firmware-contracts/index.js'

export type Identity = { role: 'device'; deviceId: string }

export type PublishDecision =
  | { allowed: true; channel: 'telemetry' | 'status' | 'image' | 'cmd/ack'; captureTsMs?: number }
  | { allowed: false; reason: string }

/** A device publishes only its own telemetry, status, images and command acks. */
export function canPublish(identity: Identity, topic: string): PublishDecision {
  if (topic.startsWith('$')) return { allowed: false, reason: `${topic.split('/')[0]} topics are reserved` }
  if (!topic.startsWith(devicePrefix(identity.deviceId))) {
    return { allowed: false, reason: `device ${identity.deviceId} may not publish to ${topic}` }
  }
  const parsed = parseDeviceTopic(topic)
  if (!parsed || parsed.deviceId !== identity.deviceId)
    return { allowed: false, reason: `not a device topic: ${topic}` }
  if (parsed.channel === 'cmd') return { allowed: false, reason: 'cmd is a downlink topic' }
  return parsed.captureTsMs === undefined
    ? { allowed: true, channel: parsed.channel }
    : { allowed: true, channel: parsed.channel, captureTsMs: parsed.captureTsMs }
}

/** A device subscribes only to its own command topic (no wildcards). */
export function canSubscribe(identity: Identity, filter: string): boolean {
  return filter === cmdTopic(identity.deviceId)
}

/** MQTT 3.1.1 requires the client id to be the device id, so one device cannot take over another's session. */
export function clientIdMatches(identity: Identity, clientId: string): boolean {
  return clientId === identity.deviceId
}
