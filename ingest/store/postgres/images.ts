import type { ImageMetaStore, ImageRecord } from '../meta-store.js'
import { ms, type PgDb, ts } from './database.js'

const COLUMNS = `device_id, ${ms('capture_ts')} AS capture_ts, ${ms('received_at')} AS received_at, bytes::float8 AS bytes, sha256`

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

/** Image metadata in PostgreSQL (the JPEG files stay under each broker's DATA_DIR/images). */
export function createPostgresImageMetaStore(db: PgDb): ImageMetaStore {
  return {
    async addImage(image) {
      const rows = await db.all(
        `INSERT INTO images (device_id, capture_ts, received_at, bytes, sha256)
         VALUES ($1, ${ts('$2')}, ${ts('$3')}, $4, $5) ON CONFLICT DO NOTHING RETURNING device_id`,
        [image.deviceId, image.captureTs, image.receivedAt, image.bytes, image.sha256],
      )
      return rows.length > 0
    },
    async listImages(deviceId, from, to, limit) {
      const rows = await db.all<ImageRow>(
        `SELECT ${COLUMNS} FROM images
          WHERE device_id = $1 AND capture_ts >= ${ts('$2')} AND capture_ts <= ${ts('$3')}
          ORDER BY capture_ts DESC LIMIT $4`,
        [deviceId, from, to, Math.max(1, Math.min(limit, 10_000))],
      )
      return rows.map(toImage)
    },
    async getImage(deviceId, captureTs) {
      const rows = await db.all<ImageRow>(
        `SELECT ${COLUMNS} FROM images WHERE device_id = $1 AND capture_ts = ${ts('$2')}`,
        [deviceId, captureTs],
      )
      return rows[0] ? toImage(rows[0]) : undefined
    },
    async imagesToPrune(before, maxBytes) {
      const rows = await db.all<ImageRow>(
        `SELECT ${COLUMNS} FROM (
           SELECT *, sum(bytes) OVER (ORDER BY capture_ts DESC, device_id ROWS UNBOUNDED PRECEDING) AS newer_bytes
             FROM images
         ) AS ranked WHERE capture_ts < ${ts('$1')} OR newer_bytes > $2 ORDER BY capture_ts`,
        [before, maxBytes],
      )
      return rows.map(toImage)
    },
    async deleteImage(deviceId, captureTs) {
      await db.all(`DELETE FROM images WHERE device_id = $1 AND capture_ts = ${ts('$2')}`, [
        deviceId,
        captureTs,
      ])
    },
  }
}
