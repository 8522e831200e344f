import type {
  AuditStore,
  MaintenanceStore,
  MaintenanceWindow,
  NotificationDeadLetterStore,
} from '../alert-meta.js'
import type { Db } from './database.js'

const ts = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`
const ms = (column: string) => `epoch_ms(${column})::DOUBLE`

const WINDOW_COLUMNS = `id::DOUBLE AS id, scope, target, ${ms('starts_at')} AS starts_at, ${ms('ends_at')} AS ends_at,
  reason, opened_by, ${ms('opened_at')} AS opened_at, closed_by, ${ms('closed_at')} AS closed_at`

interface WindowRow {
  id: number
  scope: string
  target: string
  starts_at: number
  ends_at: number | null
  reason: string
  opened_by: string
  opened_at: number
  closed_by: string | null
  closed_at: number | null
}

const toWindow = (row: WindowRow): MaintenanceWindow => ({
  id: row.id,
  scope: row.scope === 'site' ? 'site' : 'device',
  target: row.target,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  reason: row.reason,
  openedBy: row.opened_by,
  openedAt: row.opened_at,
  closedBy: row.closed_by,
  closedAt: row.closed_at,
})

function parseJson(text: string | null): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const bounded = (limit: number) => Math.max(1, Math.min(limit, 1000))

/** Maintenance windows, the audit log and notification dead letters. */
export function createDuckDbMaintenanceStore(
  db: Db,
): MaintenanceStore & AuditStore & NotificationDeadLetterStore {
  return {
    async addMaintenanceWindow(window) {
      const rows = await db.all<WindowRow>(
        `INSERT INTO maintenance_windows (scope, target, starts_at, ends_at, reason, opened_by, opened_at)
         VALUES ($1, $2, ${ts('$3')}, ${ts('$4')}, $5, $6, ${ts('$7')}) RETURNING ${WINDOW_COLUMNS}`,
        [
          window.scope,
          window.target,
          window.startsAt,
          window.endsAt,
          window.reason,
          window.openedBy,
          window.openedAt,
        ],
      )
      return toWindow(rows[0] as WindowRow)
    },
    async closeMaintenanceWindow(id, at, by) {
      // an already finished window keeps its end; closing it early moves the end to now
      const rows = await db.all<WindowRow>(
        `UPDATE maintenance_windows
            SET ends_at = CASE WHEN ends_at IS NULL OR ends_at > ${ts('$2')} THEN ${ts('$2')} ELSE ends_at END,
                closed_at = ${ts('$2')}, closed_by = $3
          WHERE id = $1 AND closed_at IS NULL RETURNING ${WINDOW_COLUMNS}`,
        [id, at, by],
      )
      return rows[0] ? toWindow(rows[0]) : undefined
    },
    async listMaintenanceWindows(filter) {
      const rows = await db.all<WindowRow>(
        `SELECT ${WINDOW_COLUMNS} FROM maintenance_windows
          WHERE ($1::DOUBLE IS NULL OR coalesce(ends_at, 'infinity'::TIMESTAMPTZ) >= ${ts('$1')})
            AND ($2::DOUBLE IS NULL OR starts_at <= ${ts('$2')})
          ORDER BY starts_at DESC, id DESC LIMIT ${bounded(filter.limit)}`,
        [filter.from ?? null, filter.to ?? null],
      )
      return rows.map(toWindow)
    },

    async addAudit(entry) {
      await db.run(
        `INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (${ts('$1')}, $2, $3, $4, $5)`,
        [
          entry.at,
          entry.actor,
          entry.action,
          entry.target,
          entry.detail === undefined ? null : JSON.stringify(entry.detail),
        ],
      )
    },
    async listAudit(filter) {
      const rows = await db.all<{
        id: number
        at: number
        actor: string
        action: string
        target: string
        detail: string | null
      }>(
        `SELECT id::DOUBLE AS id, ${ms('logged_at')} AS at, actor, action, target, detail FROM audit_log
          WHERE ($1::VARCHAR IS NULL OR action = $1) AND ($2::VARCHAR IS NULL OR target = $2)
          ORDER BY id DESC LIMIT ${bounded(filter.limit)}`,
        [filter.action ?? null, filter.target ?? null],
      )
      return rows.map((row) => ({ ...row, detail: parseJson(row.detail) }))
    },

    async addNotificationDeadLetter(letter) {
      await db.run(
        `INSERT INTO notification_dead_letters (failed_at, alert_id, event, channel, target, attempts, error, payload)
         VALUES (${ts('$1')}, $2, $3, $4, $5, $6, $7, $8)`,
        [
          letter.at,
          letter.alertId,
          letter.event,
          letter.channel,
          letter.target,
          letter.attempts,
          letter.error.slice(0, 2000),
          JSON.stringify(letter.payload ?? null),
        ],
      )
    },
    async listNotificationDeadLetters(limit) {
      const rows = await db.all<{
        id: number
        at: number
        alert_id: number
        event: string
        channel: string
        target: string
        attempts: number
        error: string
        payload: string | null
      }>(
        `SELECT id::DOUBLE AS id, ${ms('failed_at')} AS at, alert_id::DOUBLE AS alert_id, event, channel, target, attempts,
                error, payload FROM notification_dead_letters ORDER BY id DESC LIMIT ${bounded(limit)}`,
      )
      return rows.map((row) => ({
        id: row.id,
        at: row.at,
        alertId: row.alert_id,
        event: row.event,
        channel: row.channel,
        target: row.target,
        attempts: row.attempts,
        error: row.error,
        payload: parseJson(row.payload),
      }))
    },
  }
}
