import type { DeviceKind } from '../../../firmware-contracts/index.js'
import type { DeviceRecord, DeviceRegistry, GatewayRecord } from '../meta-store.js'
import { ms, type PgDb, ts } from './database.js'

const DEVICE_COLUMNS = `id, kind, site, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at,
  lat, lon, gateway_id, gateway_secret_hash`
const GATEWAY_COLUMNS = `id, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at`

interface DeviceRow {
  id: string
  kind: string
  site: string | null
  secret_hash: string
  created_at: number
  revoked_at: number | null
  lat: number | null
  lon: number | null
  gateway_id: string | null
  gateway_secret_hash: string | null
}

interface GatewayRow {
  id: string
  secret_hash: string
  created_at: number
  revoked_at: number | null
}

const toDevice = (row: DeviceRow): DeviceRecord => ({
  id: row.id,
  kind: row.kind as DeviceKind,
  site: row.site,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  lat: row.lat,
  lon: row.lon,
  gatewayId: row.gateway_id,
  gatewaySecretHash: row.gateway_secret_hash,
})

const toGateway = (row: GatewayRow): GatewayRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
})

/** Devices and gateways in PostgreSQL; every change fires the NOTIFY trigger of schema.ts. */
export function createPostgresRegistry(db: PgDb): DeviceRegistry {
  return {
    async addDevice(device) {
      await db.all(
        `INSERT INTO devices (id, kind, site, secret_hash, created_at, revoked_at, lat, lon, gateway_id, gateway_secret_hash)
         VALUES ($1, $2, $3, $4, ${ts('$5')}, ${ts('$6')}, $7, $8, $9, $10)`,
        [
          device.id,
          device.kind,
          device.site,
          device.secretHash,
          device.createdAt,
          device.revokedAt,
          device.lat ?? null,
          device.lon ?? null,
          device.gatewayId ?? null,
          device.gatewaySecretHash ?? null,
        ],
      )
    },
    async removeDevice(id) {
      return (await db.all('DELETE FROM devices WHERE id = $1 RETURNING id', [id])).length > 0
    },
    async listDevices() {
      return (await db.all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id`)).map(toDevice)
    },
    async getDevice(id) {
      const rows = await db.all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id])
      return rows[0] ? toDevice(rows[0]) : undefined
    },
    async revokeDevice(id, at) {
      const rows = await db.all(
        `UPDATE devices SET revoked_at = coalesce(revoked_at, ${ts('$2')}) WHERE id = $1 RETURNING id`,
        [id, at],
      )
      return rows.length > 0
    },
    async setDeviceSecret(id, secretHash, gatewaySecretHash) {
      const rows = await db.all(
        'UPDATE devices SET secret_hash = $2, gateway_secret_hash = $3, revoked_at = NULL WHERE id = $1 RETURNING id',
        [id, secretHash, gatewaySecretHash],
      )
      return rows.length > 0
    },
    async addGateway(gateway) {
      await db.all(
        `INSERT INTO gateways (id, secret_hash, created_at, revoked_at) VALUES ($1, $2, ${ts('$3')}, ${ts('$4')})`,
        [gateway.id, gateway.secretHash, gateway.createdAt, gateway.revokedAt],
      )
    },
    async removeGateway(id) {
      return (await db.all('DELETE FROM gateways WHERE id = $1 RETURNING id', [id])).length > 0
    },
    async listGateways() {
      return (await db.all<GatewayRow>(`SELECT ${GATEWAY_COLUMNS} FROM gateways ORDER BY id`)).map(toGateway)
    },
    async getGateway(id) {
      const rows = await db.all<GatewayRow>(`SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE id = $1`, [id])
      return rows[0] ? toGateway(rows[0]) : undefined
    },
  }
}
