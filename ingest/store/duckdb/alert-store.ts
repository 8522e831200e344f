import type { DeviceKind } from '../../../firmware-contracts/index.js'
import type { AlertEventRecord, AlertRecord, AlertStore, Severity, ThresholdRule } from '../meta-store.js'
import { createAlertWrites } from './alert-writes.js'
import type { Db } from './database.js'

const ts = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`
const ms = (column: string) => `epoch_ms(${column})::DOUBLE`

const ALERT_COLUMNS = `id::DOUBLE AS id, rule_id, device_id, metric, severity, state, message, value, threshold,
  ${ms('raised_at')} AS raised_at, ${ms('cleared_at')} AS cleared_at, type, subject, site, device_kind,
  ${ms('acknowledged_at')} AS acknowledged_at, acknowledged_by, ack_note, escalation_level, historical, late, evidence`

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
  type: string | null
  subject: string | null
  site: string | null
  device_kind: string | null
  acknowledged_at: number | null
  acknowledged_by: string | null
  ack_note: string | null
  escalation_level: number | null
  historical: boolean | null
  late: boolean | null
  evidence: string | null
}

function parseJson(text: string | null): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

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
  type: row.type ?? 'threshold',
  subject: row.subject === 'gateway' ? 'gateway' : 'device',
  site: row.site,
  deviceKind: row.device_kind,
  acknowledgedAt: row.acknowledged_at,
  acknowledgedBy: row.acknowledged_by,
  ackNote: row.ack_note,
  escalationLevel: row.escalation_level ?? 0,
  historical: row.historical ?? false,
  late: row.late ?? false,
  evidence: parseJson(row.evidence),
})

type RuleRow = {
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
}

/** Alert rules (the first-cut threshold columns), alerts and their transitions. */
export function createDuckDbAlertStore(db: Db): AlertStore {
  return {
    async listRules() {
      const rows = await db.all<RuleRow>(
        `SELECT id, kind, metric, op, threshold, clear, severity, label, label_ja, enabled FROM alert_rules
          WHERE coalesce(type, 'threshold') = 'threshold' ORDER BY id`,
      )
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
    ...createAlertWrites<AlertRow>(db, ALERT_COLUMNS, toAlert),
    async getAlert(id) {
      const rows = await db.all<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id])
      return rows[0] ? toAlert(rows[0]) : undefined
    },
    async updateAlert(id, patch) {
      const sets: string[] = []
      const params: Array<string | number | boolean | null> = [id]
      const set = (column: string, value: string | number | boolean | null, expr = (p: string) => p) => {
        params.push(value)
        sets.push(`${column} = ${expr(`$${params.length}`)}`)
      }
      if (patch.acknowledgedAt !== undefined) set('acknowledged_at', patch.acknowledgedAt, ts)
      if (patch.acknowledgedBy !== undefined) set('acknowledged_by', patch.acknowledgedBy)
      if (patch.ackNote !== undefined) set('ack_note', patch.ackNote)
      if (patch.escalationLevel !== undefined) set('escalation_level', patch.escalationLevel)
      if (patch.historical !== undefined) set('historical', patch.historical)
      if (patch.evidence !== undefined) set('evidence', JSON.stringify(patch.evidence))
      if (sets.length === 0) return
      await db.run(`UPDATE alerts SET ${sets.join(', ')} WHERE id = $1`, params)
    },
    async addAlertEvent(event) {
      await db.run(`INSERT INTO alert_events VALUES ($1, $2, ${ts('$3')}, $4, $5, $6)`, [
        event.alertId,
        event.event,
        event.at,
        event.value,
        event.actor ?? null,
        event.note ?? null,
      ])
    },
    async listAlerts(filter) {
      const where: string[] = []
      const params: Array<string | number | boolean> = []
      const add = (sql: (p: string) => string, value: string | number | boolean) => {
        params.push(value)
        where.push(sql(`$${params.length}`))
      }
      if (filter.state) add((p) => `state = ${p}`, filter.state)
      if (filter.acknowledged !== undefined)
        where.push(filter.acknowledged ? 'acknowledged_at IS NOT NULL' : 'acknowledged_at IS NULL')
      if (filter.site) add((p) => `site = ${p}`, filter.site)
      if (filter.kind) add((p) => `device_kind = ${p}`, filter.kind)
      if (filter.type) add((p) => `coalesce(type, 'threshold') = ${p}`, filter.type)
      if (filter.deviceId) add((p) => `device_id = ${p}`, filter.deviceId)
      if (filter.ruleId) add((p) => `rule_id = ${p}`, filter.ruleId)
      if (filter.historical !== undefined) add((p) => `coalesce(historical, false) = ${p}`, filter.historical)
      if (filter.from !== undefined)
        add((p) => `coalesce(cleared_at, 'infinity'::TIMESTAMPTZ) >= ${ts(p)}`, filter.from)
      if (filter.to !== undefined) add((p) => `raised_at <= ${ts(p)}`, filter.to)
      if (filter.severities && filter.severities.length > 0) {
        const list = filter.severities.map((s) => {
          params.push(s)
          return `$${params.length}`
        })
        where.push(`severity IN (${list.join(', ')})`)
      }
      const rows = await db.all<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY raised_at DESC, id DESC LIMIT ${Math.max(1, Math.min(filter.limit, 1000))}`,
        params,
      )
      return rows.map(toAlert)
    },
    async listAlertEvents(alertId) {
      const rows = await db.all<{
        alert_id: number
        event: string
        at: number
        value: number
        actor: string | null
        note: string | null
      }>(
        `SELECT alert_id::DOUBLE AS alert_id, event, ${ms('event_at')} AS at, value, actor, note FROM alert_events
          WHERE alert_id = $1 ORDER BY event_at, rowid`,
        [alertId],
      )
      return rows.map((row) => ({
        alertId: row.alert_id,
        event: row.event as AlertEventRecord['event'],
        at: row.at,
        value: row.value,
        actor: row.actor,
        note: row.note,
      }))
    },
  }
}
