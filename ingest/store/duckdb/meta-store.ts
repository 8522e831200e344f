import { blobValue } from '@duckdb/node-api'
import type { DeviceKind, RejectReason } from '../../../firmware-contracts/index.js'
import type {
  DeadLetter,
  DeviceRecord,
  GatewayRecord,
  ImageRecord,
  MetaStore,
  NewDeadLetter,
  UserRecord,
} from '../meta-store.js'
import { createDuckDbAlertConfigStore } from './alert-config-store.js'
import { createDuckDbAlertStore } from './alert-store.js'
import type { Db } from './database.js'
import { createDuckDbMaintenanceStore } from './maintenance-store.js'

const ts = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`
const ms = (column: string) => `epoch_ms(${column})::DOUBLE`

const DEVICE_COLUMNS = `id, kind, site, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at, lat, lon,
  gateway_id, gateway_secret_hash`

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

const GATEWAY_COLUMNS = `id, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at`

interface GatewayRow {
  id: string
  secret_hash: string
  created_at: number
  revoked_at: number | null
}

const toGateway = (row: GatewayRow): GatewayRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
})

const IMAGE_COLUMNS = `device_id, ${ms('capture_ts')} AS capture_ts, ${ms('received_at')} AS received_at, bytes, sha256`

interface ImageRow {
  device_id: string
  capture_ts: number
  received_at: number
  bytes: number
  sha256: string
}

const toImage = (row: ImageRow): ImageRecord => ({
  deviceId: row.device_id,
  captureTs: row.capture_ts,
  receivedAt: row.received_at,
  bytes: row.bytes,
  sha256: row.sha256,
})

const USER_COLUMNS = `username, password_hash, role, ${ms('created_at')} AS created_at, kinds, sites`

interface UserRow {
  username: string
  password_hash: string
  role: string
  created_at: number
  kinds: string | null
  sites: string | null
}

const toUser = (row: UserRow): UserRecord => ({
  username: row.username,
  passwordHash: row.password_hash,
  role: row.role as UserRecord['role'],
  createdAt: row.created_at,
  kinds: row.kinds ? (JSON.parse(row.kinds) as DeviceKind[]) : null,
  sites: row.sites ? (JSON.parse(row.sites) as string[]) : null,
})

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

/** Registry, users, sessions, rules, alerts and dead letters in the embedded DuckDB file (alerts in alert-*.ts). */
export function createDuckDbMetaStore(db: Db): MetaStore {
  return {
    async addDevice(device) {
      await db.run(
        `INSERT INTO devices (id, kind, site, secret_hash, created_at, revoked_at, lat, lon, gateway_id, gateway_secret_hash)
         VALUES ($1, $2, $3, $4, ${ts('$5')}, ${ts('$10')}, $6, $7, $8, $9)`,
        [
          device.id,
          device.kind,
          device.site,
          device.secretHash,
          device.createdAt,
          device.lat ?? null,
          device.lon ?? null,
          device.gatewayId ?? null,
          device.gatewaySecretHash ?? null,
          device.revokedAt,
        ],
      )
    },
    async revokeDevice(id, at) {
      const rows = await db.all<{ id: string }>(
        `UPDATE devices SET revoked_at = coalesce(revoked_at, ${ts('$2')}) WHERE id = $1 RETURNING id`,
        [id, at],
      )
      return rows.length > 0
    },
    async setDeviceSecret(id, secretHash, gatewaySecretHash) {
      const rows = await db.all<{ id: string }>(
        `UPDATE devices SET secret_hash = $2, gateway_secret_hash = $3, revoked_at = NULL WHERE id = $1 RETURNING id`,
        [id, secretHash, gatewaySecretHash],
      )
      return rows.length > 0
    },
    async removeDevice(id) {
      const rows = await db.all<{ id: string }>('DELETE FROM devices WHERE id = $1 RETURNING id', [id])
      return rows.length > 0
    },
    async listDevices() {
      return (await db.all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id`)).map(toDevice)
    },
    async getDevice(id) {
      const rows = await db.all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id])
      return rows[0] ? toDevice(rows[0]) : undefined
    },

    async addGateway(gateway) {
      await db.run(
        `INSERT INTO gateways (id, secret_hash, created_at, revoked_at) VALUES ($1, $2, ${ts('$3')}, NULL)`,
        [gateway.id, gateway.secretHash, gateway.createdAt],
      )
    },
    async removeGateway(id) {
      const rows = await db.all<{ id: string }>('DELETE FROM gateways WHERE id = $1 RETURNING id', [id])
      return rows.length > 0
    },
    async listGateways() {
      return (await db.all<GatewayRow>(`SELECT ${GATEWAY_COLUMNS} FROM gateways ORDER BY id`)).map(toGateway)
    },
    async getGateway(id) {
      const rows = await db.all<GatewayRow>(`SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE id = $1`, [id])
      return rows[0] ? toGateway(rows[0]) : undefined
    },

    async addUser(user: UserRecord) {
      await db.run(
        `INSERT INTO users (username, password_hash, role, created_at, kinds, sites) VALUES ($1, $2, $3, ${ts('$4')}, $5, $6)`,
        [
          user.username,
          user.passwordHash,
          user.role,
          user.createdAt,
          user.kinds ? JSON.stringify(user.kinds) : null,
          user.sites ? JSON.stringify(user.sites) : null,
        ],
      )
    },
    async getUser(username) {
      const rows = await db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username])
      return rows[0] ? toUser(rows[0]) : undefined
    },
    async listUsers() {
      return (await db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`)).map(toUser)
    },
    async removeUser(username) {
      await db.run('DELETE FROM sessions WHERE username = $1', [username])
      const rows = await db.all<{ username: string }>(
        'DELETE FROM users WHERE username = $1 RETURNING username',
        [username],
      )
      return rows.length > 0
    },
    async countUsers() {
      const rows = await db.all<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM users')
      return rows[0]?.n ?? 0
    },
    async addSession(tokenHash, username, expiresAt) {
      await db.run(`INSERT INTO sessions (token_hash, username, expires_at) VALUES ($1, $2, ${ts('$3')})`, [
        tokenHash,
        username,
        expiresAt,
      ])
      await db.run('DELETE FROM sessions WHERE expires_at < now()')
    },
    async getSession(tokenHash) {
      const rows = await db.all<{ username: string; expires_at: number }>(
        `SELECT username, ${ms('expires_at')} AS expires_at FROM sessions WHERE token_hash = $1`,
        [tokenHash],
      )
      const row = rows[0]
      return row ? { username: row.username, expiresAt: row.expires_at } : undefined
    },
    async deleteSession(tokenHash) {
      await db.run('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])
    },

    async addDeadLetters(letters: readonly NewDeadLetter[]) {
      for (const letter of letters) {
        await db.run(
          `INSERT INTO dead_letters (received_at, device_id, topic, reason, detail, payload)
           VALUES (${ts('$1')}, $2, $3, $4, $5, $6)`,
          [
            letter.receivedAt,
            letter.deviceId,
            letter.topic,
            letter.reason,
            letter.detail,
            blobValue(letter.payload),
          ],
        )
      }
    },
    async pruneDeadLetters(before, keep) {
      const rows = await db.all<{ n: number }>(
        `DELETE FROM dead_letters WHERE received_at < ${ts('$1')}
            OR id <= (SELECT coalesce(max(id), 0) FROM dead_letters) - $2 RETURNING 1 AS n`,
        [before, keep],
      )
      return rows.length
    },
    async listDeadLetters(limit, filter = {}) {
      const rows = await db.all<{
        id: number
        received_at: number
        device_id: string | null
        topic: string
        reason: string
        detail: string
        payload: { bytes: Uint8Array } | Uint8Array
      }>(
        `SELECT id::DOUBLE AS id, ${ms('received_at')} AS received_at, device_id, topic, reason, detail, payload
           FROM dead_letters
          WHERE ($1::VARCHAR IS NULL OR reason = $1) AND ($2::VARCHAR IS NULL OR device_id = $2)
          ORDER BY id DESC LIMIT ${Math.max(1, Math.min(limit, 1000))}`,
        [filter.reason ?? null, filter.deviceId ?? null],
      )
      return rows.map(
        (row): DeadLetter => ({
          id: row.id,
          receivedAt: row.received_at,
          deviceId: row.device_id,
          topic: row.topic,
          reason: row.reason as RejectReason,
          detail: row.detail,
          payload: row.payload instanceof Uint8Array ? row.payload : row.payload.bytes,
        }),
      )
    },

    async addImage(image) {
      const rows = await db.all<{ n: number }>(
        `INSERT INTO images (device_id, capture_ts, received_at, bytes, sha256)
         VALUES ($1, ${ts('$2')}, ${ts('$3')}, $4, $5) ON CONFLICT DO NOTHING RETURNING 1 AS n`,
        [image.deviceId, image.captureTs, image.receivedAt, image.bytes, image.sha256],
      )
      return rows.length > 0
    },
    async listImages(deviceId, from, to, limit) {
      const rows = await db.all<ImageRow>(
        `SELECT ${IMAGE_COLUMNS} FROM images WHERE device_id = $1 AND capture_ts >= ${ts('$2')} AND capture_ts <= ${ts('$3')}
          ORDER BY capture_ts DESC LIMIT ${Math.max(1, Math.min(limit, 10_000))}`,
        [deviceId, from, to],
      )
      return rows.map(toImage)
    },
    async getImage(deviceId, captureTs) {
      const rows = await db.all<ImageRow>(
        `SELECT ${IMAGE_COLUMNS} FROM images WHERE device_id = $1 AND capture_ts = ${ts('$2')}`,
        [deviceId, captureTs],
      )
      return rows[0] ? toImage(rows[0]) : undefined
    },
    async imagesToPrune(before, maxBytes) {
      const rows = await db.all<ImageRow>(
        `SELECT ${IMAGE_COLUMNS} FROM (
           SELECT *, sum(bytes) OVER (ORDER BY capture_ts DESC, device_id ROWS UNBOUNDED PRECEDING) AS newer_bytes FROM images
         ) WHERE capture_ts < ${ts('$1')} OR newer_bytes > $2 ORDER BY capture_ts`,
        [before, maxBytes],
      )
      return rows.map(toImage)
    },
    async deleteImage(deviceId, captureTs) {
      await db.run(`DELETE FROM images WHERE device_id = $1 AND capture_ts = ${ts('$2')}`, [
        deviceId,
        captureTs,
      ])
    },

    ...createDuckDbAlertStore(db),
    ...createDuckDbAlertConfigStore(db),
    ...createDuckDbMaintenanceStore(db),
  }
}
