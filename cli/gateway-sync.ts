import type { Aedes } from 'aedes'
import type { Logger } from 'pino'
import { type GatewayDevices, type GatewayStatus, gatewayDevicesTopic } from '../firmware-contracts/index.js'
import type { DeviceDirectory } from '../ingest/device-directory.js'

export interface GatewayStatusBoard {
  record(gatewayId: string, status: GatewayStatus): void
  get(gatewayId: string): (GatewayStatus & { receivedAt: number }) | undefined
}

export function createGatewayStatusBoard(now: () => number = Date.now): GatewayStatusBoard {
  const statuses = new Map<string, GatewayStatus & { receivedAt: number }>()
  return {
    record: (gatewayId, status) => statuses.set(gatewayId, { ...status, receivedAt: now() }),
    get: (gatewayId) => statuses.get(gatewayId),
  }
}

/**
 * Keeps each gateway's retained device list (`v1/gateways/{id}/devices`) current: published at
 * start and whenever a device is added to or removed from a gateway. Only that gateway may
 * subscribe to it (auth-policy.ts); the hashes in it are keyed with that gateway's device key.
 */
export function syncGatewayDeviceLists(aedes: Aedes, directory: DeviceDirectory, log: Logger): void {
  const publish = (gatewayId: string) => {
    const list: GatewayDevices = {
      gatewayId,
      devices: directory
        .devicesOf(gatewayId)
        .filter((d) => d.gatewaySecretHash && d.revokedAt === null)
        .map((d) => ({ id: d.id, kind: d.kind, secretHash: d.gatewaySecretHash as string })),
    }
    aedes.publish(
      {
        cmd: 'publish',
        topic: gatewayDevicesTopic(gatewayId),
        payload: Buffer.from(JSON.stringify(list)),
        qos: 1,
        retain: true,
        dup: false,
      },
      (err) => {
        if (err) log.error({ err, gatewayId }, 'gateway device list not published')
      },
    )
  }
  for (const gateway of directory.listGateways()) publish(gateway.id)
  directory.onGatewayChanged(publish)
}
