/**
 * Who may publish and subscribe where: pure functions over an identity and a topic, so the rules
 * are testable without a broker. aedes hooks (aedes-hooks.ts) are thin adapters over these.
 */
import {
  CONTRACT_VERSION,
  cmdTopic,
  devicePrefix,
  gatewayDevicesTopic,
  gatewayStatusTopic,
  parseDeviceTopic,
} from '../firmware-contracts/index.js'
import type { AclRule } from './acl-file.js'
import { filterCovers, topicMatches } from './topic-match.js'

export type Identity =
  | { role: 'device'; deviceId: string }
  | { role: 'gateway'; gatewayId: string }
  /** A service user from the ACL file; `rules` include those of its role. */
  | { role: 'user'; username: string; clientId: string; rules: readonly AclRule[] }
  /** Only with MQTT_ALLOW_ANONYMOUS: never `v1/`, never `$SYS`. */
  | { role: 'anonymous'; clientId: string; rules: readonly AclRule[] }

/** Which gateway a device is assigned to (DESIGN.md, "Gateways"), or null. */
export type GatewayOf = (deviceId: string) => string | null | undefined

export type PublishDecision =
  | {
      allowed: true
      channel: 'telemetry' | 'status' | 'image' | 'cmd/ack' | 'gateway-status' | 'plain'
      /** The device the message is about (for a gateway: the device it forwards for). */
      deviceId?: string
      captureTsMs?: number
    }
  | { allowed: false; reason: string }

export const identityName = (identity: Identity) => {
  switch (identity.role) {
    case 'device':
      return identity.deviceId
    case 'gateway':
      return identity.gatewayId
    case 'user':
      return identity.username
    case 'anonymous':
      return `anonymous:${identity.clientId}`
  }
}

const CONTRACT_PREFIX = `${CONTRACT_VERSION}/`
const SYS_PREFIX = '$SYS/'
/** Where refused-but-acknowledged messages go: a topic no client may subscribe to or publish on. */
export const DIVERTED_TOPIC = '$mimamori/void'

type Operation = 'read' | 'write'

const grants = (rule: AclRule, op: Operation) => rule.access === 'readwrite' || rule.access === op

const expand = (rule: AclRule, identity: Identity) =>
  identity.role === 'user'
    ? rule.topic.replaceAll('%u', identity.username).replaceAll('%c', identity.clientId)
    : identity.role === 'anonymous'
      ? rule.topic.replaceAll('%c', identity.clientId)
      : rule.topic

/**
 * ACL rules of a service user or anonymous client on a concrete topic (publish, delivery) or on
 * a subscription filter: a matching deny wins; otherwise some rule must grant the operation.
 */
export function aclAllows(
  identity: Extract<Identity, { rules: unknown }>,
  topicOrFilter: string,
  op: Operation,
  kind: 'topic' | 'filter',
): boolean {
  // a write rule `#` also covers `$`-topics ($SYS and $mimamori are refused before this)
  const test = kind === 'filter' ? filterCovers : (p: string, t: string) => topicMatches(p, t, op === 'read')
  let granted = false
  for (const rule of identity.rules) {
    const pattern = expand(rule, identity)
    if (rule.access === 'deny') {
      if (test(pattern, topicOrFilter)) return false
    } else if (!granted && grants(rule, op) && test(pattern, topicOrFilter)) {
      granted = true
    }
  }
  return granted
}

/** Hard limits for non-device clients, whatever the ACL file says. */
function plainTopicRefusal(identity: Identity, topic: string, op: Operation): string | undefined {
  if (topic.startsWith('$mimamori')) return '$mimamori topics are internal'
  if (topic.startsWith(SYS_PREFIX) || topic === '$SYS') {
    if (op === 'write') return '$SYS topics are reserved'
    if (identity.role === 'anonymous') return '$SYS is not for anonymous clients'
  }
  if (topic.startsWith(CONTRACT_PREFIX) || topic === CONTRACT_VERSION) {
    if (identity.role === 'anonymous') return 'v1/ topics need credentials'
    if (op === 'write') {
      // only devices and their gateways speak for a device; only the broker lists a gateway's devices
      const parsed = parseDeviceTopic(topic)
      if (parsed?.channel !== 'cmd') return `${topic} is written only by devices, gateways or the broker`
    }
  }
  return undefined
}

/**
 * A device publishes only its own telemetry, status, images and command acks; a gateway
 * publishes its own status and the same channels for exactly the devices assigned to it.
 * Service users and anonymous clients publish where their ACL allows, never as a device.
 */
const DEVICES_PREFIX = `${CONTRACT_VERSION}/devices/`
const TELEMETRY_SUFFIX = '/telemetry'

/** `topic === telemetryTopic(deviceId)`, compared in place. */
function isOwnTelemetryTopic(topic: string, deviceId: string): boolean {
  return (
    topic.length === DEVICES_PREFIX.length + deviceId.length + TELEMETRY_SUFFIX.length &&
    topic.startsWith(DEVICES_PREFIX) &&
    topic.startsWith(deviceId, DEVICES_PREFIX.length) &&
    topic.endsWith(TELEMETRY_SUFFIX)
  )
}

export function canPublish(identity: Identity, topic: string, gatewayOf: GatewayOf): PublishDecision {
  if (identity.role === 'user' || identity.role === 'anonymous') {
    const refusal = plainTopicRefusal(identity, topic, 'write')
    if (refusal) return { allowed: false, reason: refusal }
    return aclAllows(identity, topic, 'write', 'topic')
      ? { allowed: true, channel: 'plain' }
      : { allowed: false, reason: `${identityName(identity)} may not publish to ${topic}` }
  }
  if (identity.role === 'device' && isOwnTelemetryTopic(topic, identity.deviceId)) {
    // the hot path: a device publishing its own telemetry (no split, no allocation but the answer)
    return { allowed: true, channel: 'telemetry', deviceId: identity.deviceId }
  }
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
 * command topics of its devices. No wildcards for either. Others: their ACL covers the filter.
 */
export function canSubscribe(identity: Identity, filter: string, gatewayOf: GatewayOf): boolean {
  if (identity.role === 'device') return filter === cmdTopic(identity.deviceId)
  if (identity.role === 'gateway') {
    if (filter === gatewayDevicesTopic(identity.gatewayId)) return true
    const parsed = parseDeviceTopic(filter)
    return parsed?.channel === 'cmd' && gatewayOf(parsed.deviceId) === identity.gatewayId
  }
  if (plainTopicRefusal(identity, filter, 'read')) return false
  // `v1/#` or `+/devices/#` from an anonymous client: allowed only if it can match something else
  return aclAllows(identity, filter, 'read', 'filter')
}

/** May this message be delivered to the client? (per message, after a wildcard subscription) */
export function canReceive(identity: Identity, topic: string): boolean {
  if (identity.role === 'device' || identity.role === 'gateway') return true // exact subscriptions only
  if (plainTopicRefusal(identity, topic, 'read')) return false
  return aclAllows(identity, topic, 'read', 'topic')
}

/** The client id must be the device or gateway id, so one cannot take over another's session. */
export function clientIdMatches(identity: Identity, clientId: string): boolean {
  if (identity.role === 'user' || identity.role === 'anonymous') return true
  return clientId === identityName(identity)
}
