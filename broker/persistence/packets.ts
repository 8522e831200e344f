/** Packet copies and their JSON form for the session journal. */

// biome-ignore lint/suspicious/noExplicitAny: aedes packets are loose objects (publish, pubrel, wills)
export type StoredPacket = Record<string, any> & { topic?: string; payload?: Buffer; messageId?: number }

/** What aedes-packet's constructor does, without assigning a broker counter. */
export function copyPacket(original: StoredPacket): StoredPacket {
  const packet: StoredPacket = {}
  for (const key of ['clientId', 'nl', 'properties', 'messageExpiry']) {
    if (Object.hasOwn(original, key)) packet[key] = original[key]
  }
  packet.cmd = original.cmd || 'publish'
  packet.brokerId = original.brokerId
  packet.brokerCounter = original.brokerCounter || 0
  packet.topic = original.topic
  packet.payload = original.payload || Buffer.alloc(0)
  packet.qos = original.qos || 0
  packet.retain = original.retain || false
  packet.dup = original.dup || false
  if (packet.qos > 0 || packet.cmd !== 'publish') packet.messageId = undefined
  return packet
}

/** JSON-safe form: Buffers become `{ $b64 }`. */
export function encodePacket(packet: StoredPacket): unknown {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(packet)) {
    if (value === undefined) continue
    out[key] = Buffer.isBuffer(value)
      ? { $b64: value.toString('base64') }
      : typeof value === 'string' && key === 'payload'
        ? { $b64: Buffer.from(value).toString('base64') }
        : value
  }
  return out
}

export function decodePacket(value: unknown): StoredPacket {
  const packet: StoredPacket = {}
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    packet[key] =
      v !== null && typeof v === 'object' && '$b64' in v
        ? Buffer.from((v as { $b64: string }).$b64, 'base64')
        : v
  }
  return packet
}
