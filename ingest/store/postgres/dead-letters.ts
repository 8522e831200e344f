import type { RejectReason } from '../../../firmware-contracts/index.js'
import type { DeadLetter, DeadLetterStore } from '../meta-store.js'
import { ms, type PgDb, ts } from './database.js'

/** Dead letters of every broker in one table, so the dashboard can show them wherever they arrived. */
export function createPostgresDeadLetterStore(db: PgDb): DeadLetterStore {
  return {
    async addDeadLetters(letters) {
      for (const letter of letters) {
        await db.all(
          `INSERT INTO dead_letters (received_at, device_id, topic, reason, detail, payload)
           VALUES (${ts('$1')}, $2, $3, $4, $5, $6)`,
          [
            letter.receivedAt,
            letter.deviceId,
            letter.topic,
            letter.reason,
            letter.detail,
            Buffer.from(letter.payload),
          ],
        )
      }
    },
    async listDeadLetters(limit, filter = {}) {
      const rows = await db.all<{
        id: number
        received_at: number
        device_id: string | null
        topic: string
        reason: string
        detail: string
        payload: Buffer
      }>(
        `SELECT id::float8 AS id, ${ms('received_at')} AS received_at, device_id, topic, reason, detail, payload
           FROM dead_letters
          WHERE ($1::text IS NULL OR reason = $1) AND ($2::text IS NULL OR device_id = $2)
          ORDER BY id DESC LIMIT $3`,
        [filter.reason ?? null, filter.deviceId ?? null, Math.max(1, Math.min(limit, 1000))],
      )
      return rows.map(
        (row): DeadLetter => ({
          id: row.id,
          receivedAt: row.received_at,
          deviceId: row.device_id,
          topic: row.topic,
          reason: row.reason as RejectReason,
          detail: row.detail,
          payload: new Uint8Array(row.payload),
        }),
      )
    },
    async pruneDeadLetters(before, keep) {
      const rows = await db.all(
        `DELETE FROM dead_letters WHERE received_at < ${ts('$1')}
            OR id <= (SELECT coalesce(max(id), 0) FROM dead_letters) - $2 RETURNING id`,
        [before, keep],
      )
      return rows.length
    },
  }
}
