/** MQTT topic names of the v1 device contract. Everything that builds or reads a topic uses these. */

export const CONTRACT_VERSION = 'v1'

/** Device ids: ASCII letters, digits, `-` and `_`, 1–64 chars, starting with a letter or digit. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export const DEVICE_CHANNELS = ['telemetry', 'status', 'image', 'cmd', 'cmd/ack'] as const
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number]

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_PATTERN.test(value)
}

/** The prefix under which one device may publish. @example devicePrefix('p-01') // 'v1/devices/p-01/' */
export function devicePrefix(deviceId: string): string {
  return `${CONTRACT_VERSION}/devices/${deviceId}/`
}

/** @example telemetryTopic('p-01') // 'v1/devices/p-01/telemetry' */
export function telemetryTopic(deviceId: string): string {
  return `${devicePrefix(deviceId)}telemetry`
}

/** Retained; the device's last will sets it to `offline`. @example statusTopic('p-01') // 'v1/devices/p-01/status' */
export function statusTopic(deviceId: string): string {
  return `${devicePrefix(deviceId)}status`
}

/** Raw JPEG bytes; the capture time travels in the topic because MQTT 3.1.1 has no user properties.
 * @example imageTopic('r-01', 1764000000000) // 'v1/devices/r-01/image/1764000000000' */
export function imageTopic(deviceId: string, captureTsMs: number): string {
  return `${devicePrefix(deviceId)}image/${Math.trunc(captureTsMs)}`
}

/** Downlink configuration and actions. @example cmdTopic('p-01') // 'v1/devices/p-01/cmd' */
export function cmdTopic(deviceId: string): string {
  return `${devicePrefix(deviceId)}cmd`
}

/** @example cmdAckTopic('p-01') // 'v1/devices/p-01/cmd/ack' */
export function cmdAckTopic(deviceId: string): string {
  return `${devicePrefix(deviceId)}cmd/ack`
}

/** @example gatewayStatusTopic('gw-1') // 'v1/gateways/gw-1/status' */
export function gatewayStatusTopic(gatewayId: string): string {
  return `${CONTRACT_VERSION}/gateways/${gatewayId}/status`
}

export interface DeviceTopic {
  deviceId: string
  channel: DeviceChannel
  /** Only for `image`: the capture time in epoch ms taken from the topic. */
  captureTsMs?: number
}

/**
 * Parses a concrete (wildcard-free) topic of the device contract; anything else gives `null`.
 * @example parseDeviceTopic('v1/devices/p-01/telemetry') // { deviceId: 'p-01', channel: 'telemetry' }
 */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/')
  if (parts.length < 4 || parts[0] !== CONTRACT_VERSION || parts[1] !== 'devices') return null
  const deviceId = parts[2] as string
  if (!isDeviceId(deviceId)) return null
  const rest = parts.slice(3)
  if (rest.length === 1) {
    const channel = rest[0]
    if (channel === 'telemetry' || channel === 'status' || channel === 'cmd') return { deviceId, channel }
    return null
  }
  if (rest.length === 2 && rest[0] === 'cmd' && rest[1] === 'ack') return { deviceId, channel: 'cmd/ack' }
  if (rest.length === 2 && rest[0] === 'image' && /^\d{1,15}$/.test(rest[1] as string)) {
    return { deviceId, channel: 'image', captureTsMs: Number(rest[1]) }
  }
  return null
}
