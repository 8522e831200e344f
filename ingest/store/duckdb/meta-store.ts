import { blobValue } from '@duckdb/node-api'
import type { DeviceKind, RejectReason } from '../../../firmware-contracts/index.js'
import type {
  AlertEventRecord,
  AlertRecord,
  DeadLetter,
  DeviceRecord,
  ImageRecord,
  MetaStore,
  NewDeadLetter,
  Severity,
  ThresholdRule,
  UserRecord,
} from '../meta-store.js'
import type { Db } from './database.js'

const ts = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`
const ms = (column: string) => `epoch_ms(${column})::DOUBLE`

const DEVICE_COLUMNS = `id, kind, site, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at, lat, lon,
  gateway_id, gateway_secret_hash`
const ALERT_COLUMNS = `id::DOUBLE AS id, rule_id, device_id, metric, severity, state, message, value, threshold,
  ${ms('raised_at')} AS raised_at, ${ms('cleared_at')} AS cleared_at`

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

interface AlertRow {
  id: number
  rule_id: string
  device_id: string
  metric: string
  severity: string
  state: string
  message: string
  value: number
  threshold: number
  raised_at: number
  cleared_at: number | null
}

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

const toAlert = (row: AlertRow): AlertRecord => ({
  id: row.id,
  ruleId: row.rule_id,
  deviceId: row.device_id,
  metric: row.metric,
  severity: row.severity as Severity,
  state: row.state as AlertRecord['state'],
  message: row.message,
  value: row.value,
  threshold: row.threshold,
  raisedAt: row.raised_at,
  clearedAt: row.cleared_at,
})

/** Registry, users, sessions, rules, alerts and dead letters in the embedded DuckDB file. */
export function createDuckDbMetaStore(db: Db): MetaStore {
  return {
    async addDevice(device) {
      await db.run(
        `INSERT INTO devices (id, kind, site, secret_hash, created_at, revoked_at, lat, lon, gateway_id, gateway_secret_hash)
         VALUES ($1, $2, $3, $4, ${ts('$5')}, NULL, $6, $7, $8, $9)`,
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
        ],
      )
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
      const rows = await db.all<{
        id: string
        secret_hash: string
        created_at: number
        revoked_at: number | null
      }>(
        `SELECT id, secret_hash, ${ms('created_at')} AS created_at, ${ms('revoked_at')} AS revoked_at FROM gateways ORDER BY id`,
      )
      return rows.map((row) => ({
        id: row.id,
        secretHash: row.secret_hash,
        createdAt: row.created_at,
        revokedAt: row.revoked_at,
      }))
    },

    async addUser(user: UserRecord) {
      await db.run(
        `INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, ${ts('$4')})`,
        [user.username, user.passwordHash, user.role, user.createdAt],
      )
    },
    async getUser(username) {
      const rows = await db.all<{
        username: string
        password_hash: string
        role: string
        created_at: number
      }>(
        `SELECT username, password_hash, role, ${ms('created_at')} AS created_at FROM users WHERE username = $1`,
        [username],
      )
      const row = rows[0]
      return row
        ? {
            username: row.username,
            passwordHash: row.password_hash,
            role: row.role as UserRecord['role'],
            createdAt: row.created_at,
          }
        : undefined
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

    async listRules() {
      const rows = await db.all<{
        id: string
        kind: string
        metric: string
        op: string
        threshold: number
        clear: number
        severity: string
        label: string
        label_ja: string
        enabled: boolean
      }>('SELECT * FROM alert_rules ORDER BY id')
      return rows.map(
        (row): ThresholdRule => ({
          id: row.id,
          kind: row.kind as DeviceKind,
          metric: row.metric,
          op: row.op as ThresholdRule['op'],
          threshold: row.threshold,
          clear: row.clear,
          severity: row.severity as Severity,
          label: row.label,
          labelJa: row.label_ja,
          enabled: row.enabled,
        }),
      )
    },
    async upsertRule(rule) {
      await db.run(
        `INSERT OR REPLACE INTO alert_rules (id, kind, metric, op, threshold, clear, severity, label, label_ja, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          rule.id,
          rule.kind,
          rule.metric,
          rule.op,
          rule.threshold,
          rule.clear,
          rule.severity,
          rule.label,
          rule.labelJa,
          rule.enabled,
        ],
      )
    },
    async insertAlert(alert) {
      const rows = await db.all<AlertRow>(
        `INSERT INTO alerts (rule_id, device_id, metric, severity, state, message, value, threshold, raised_at, cleared_at)
         VALUES ($1, $2, $3, $4, 'raised', $5, $6, $7, ${ts('$8')}, NULL) RETURNING ${ALERT_COLUMNS}`,
        [
          alert.ruleId,
          alert.deviceId,
          alert.metric,
          alert.severity,
          alert.message,
          alert.value,
          alert.threshold,
          alert.raisedAt,
        ],
      )
      const created = toAlert(rows[0] as AlertRow)
      await db.run(`INSERT INTO alert_events VALUES ($1, 'raised', ${ts('$2')}, $3)`, [
        created.id,
        created.raisedAt,
        created.value,
      ])
      return created
    },
    async clearAlert(id, clearedAt, value) {
      await db.run(`UPDATE alerts SET state = 'cleared', cleared_at = ${ts('$2')} WHERE id = $1`, [
        id,
        clearedAt,
      ])
      await db.run(`INSERT INTO alert_events VALUES ($1, 'cleared', ${ts('$2')}, $3)`, [id, clearedAt, value])
    },
    async listAlerts(filter) {
      const where = filter.state ? 'WHERE state = $1' : ''
      const rows = await db.all<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM alerts ${where} ORDER BY raised_at DESC, id DESC
          LIMIT ${Math.max(1, Math.min(filter.limit, 1000))}`,
        filter.state ? [filter.state] : [],
      )
      return rows.map(toAlert)
    },
    async listAlertEvents(alertId) {
      const rows = await db.all<{ alert_id: number; event: string; at: number; value: number }>(
        `SELECT alert_id::DOUBLE AS alert_id, event, ${ms('event_at')} AS at, value FROM alert_events
          WHERE alert_id = $1 ORDER BY event_at`,
        [alertId],
      )
      return rows.map((row) => ({
        alertId: row.alert_id,
        event: row.event as AlertEventRecord['event'],
        at: row.at,
        value: row.value,
      }))
    },
  }
}
