import type { GatewayStatus, RejectReason } from '../firmware-contracts/index.js'

/** A message the broker refused or could not hand on, for the dead-letter table and counters. */
export interface Refusal {
  deviceId: string | null
  topic: string
  reason: RejectReason
  detail: string
  payload: Uint8Array
}

/**
 * What the broker hands to ingest, in-process and before the PUBACK (see DESIGN.md: aedes acks
 * QoS1 before `broker.publish`, so durability has to happen in `authorizePublish`).
 */
export interface IngestPort {
  /** Resolves once the readings are durable or the payload is dead-lettered; never rejects for bad input. */
  telemetry(deviceId: string, topic: string, payload: Uint8Array): Promise<void>
  /** A JPEG the broker checked (size, magic bytes); resolves once it is on disk. */
  image(deviceId: string, topic: string, captureTsMs: number, jpeg: Uint8Array): Promise<void>
  refused(refusal: Refusal): void
  /** A gateway's status (validated by the broker): backlog, disk budget, uplink. */
  gatewayStatus?(gatewayId: string, status: GatewayStatus): void
}

interface Credential {
  id: string
  secretHash: string
  revokedAt: number | null
}

/** The device and gateway credentials the broker checks; kept in memory by the composition root. */
export interface DeviceDirectory {
  get(deviceId: string): (Credential & { gatewayId?: string | null }) | undefined
  getGateway(gatewayId: string): Credential | undefined
}
