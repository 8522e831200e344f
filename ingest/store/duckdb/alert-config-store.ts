import type { AlertConfigStore, StoredSettings } from '../alert-meta.js'
import type { Db } from './database.js'

const ts = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`
const ms = (column: string) => `epoch_ms(${column})::DOUBLE`

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

interface RuleRow {
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
  spec: string | null
  updated_at: number | null
  updated_by: string | null
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0)
const str = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback)

/** Rule specs (JSON beside the first-cut columns), site/device settings, contact groups, subscriptions. */
export function createDuckDbAlertConfigStore(db: Db): AlertConfigStore {
  return {
    async listRuleSpecs() {
      const rows = await db.all<RuleRow>(
        `SELECT id, kind, metric, op, threshold, clear, severity, label, label_ja, enabled, spec,
                ${ms('updated_at')} AS updated_at, updated_by FROM alert_rules ORDER BY id`,
      )
      return rows.map((row) => ({
        id: row.id,
        // a row written before specs existed is a threshold rule described by its columns
        spec:
          row.spec === null
            ? {
                id: row.id,
                type: 'threshold',
                kind: row.kind,
                metric: row.metric,
                op: row.op,
                threshold: row.threshold,
                clear: row.clear,
                severity: row.severity,
                label: row.label,
                labelJa: row.label_ja,
                enabled: row.enabled,
              }
            : parseJson(row.spec),
        updatedAt: row.updated_at,
        updatedBy: row.updated_by,
      }))
    },
    async upsertRuleSpec(id, spec, actor, at) {
      // the first-cut columns stay filled (NOT NULL) so older readers still see threshold rules
      await db.run(
        `INSERT OR REPLACE INTO alert_rules (id, kind, metric, op, threshold, clear, severity, label, label_ja,
           enabled, type, spec, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${ts('$13')}, $14)`,
        [
          id,
          str(spec.kind, 'gateway'),
          str(spec.metric, ''),
          str(spec.op, 'above'),
          num(spec.threshold),
          num(spec.clear),
          str(spec.severity, 'warning'),
          str(spec.label, id),
          str(spec.labelJa, id),
          spec.enabled !== false,
          str(spec.type, 'threshold'),
          JSON.stringify(spec),
          at,
          actor,
        ],
      )
    },
    async deleteRule(id) {
      const rows = await db.all('DELETE FROM alert_rules WHERE id = $1 RETURNING id', [id])
      return rows.length > 0
    },
    async seenDefaultRules() {
      const rows = await db.all<{ id: string }>('SELECT id FROM alert_defaults_seen')
      return new Set(rows.map((r) => r.id))
    },
    async markDefaultRulesSeen(ids) {
      for (const id of ids) await db.run('INSERT OR IGNORE INTO alert_defaults_seen VALUES ($1)', [id])
    },

    async listAlertSettings() {
      const rows = await db.all<{
        scope: string
        target: string
        settings: string
        updated_at: number
        updated_by: string | null
      }>(
        `SELECT scope, target, settings, ${ms('updated_at')} AS updated_at, updated_by FROM alert_settings
          ORDER BY scope, target`,
      )
      return rows.map(
        (row): StoredSettings => ({
          scope: row.scope === 'site' ? 'site' : 'device',
          target: row.target,
          settings: parseJson(row.settings),
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }),
      )
    },
    async putAlertSettings(entry) {
      await db.run(
        `INSERT OR REPLACE INTO alert_settings (scope, target, settings, updated_at, updated_by)
         VALUES ($1, $2, $3, ${ts('$4')}, $5)`,
        [entry.scope, entry.target, JSON.stringify(entry.settings), entry.updatedAt, entry.updatedBy],
      )
    },
    async deleteAlertSettings(scope, target) {
      const rows = await db.all('DELETE FROM alert_settings WHERE scope = $1 AND target = $2 RETURNING 1', [
        scope,
        target,
      ])
      return rows.length > 0
    },

    async listContactGroups() {
      const rows = await db.all<{ id: string; spec: string; updated_at: number; updated_by: string | null }>(
        `SELECT id, spec, ${ms('updated_at')} AS updated_at, updated_by FROM contact_groups ORDER BY id`,
      )
      return rows.map((row) => ({
        id: row.id,
        spec: parseJson(row.spec),
        updatedAt: row.updated_at,
        updatedBy: row.updated_by,
      }))
    },
    async putContactGroup(group) {
      await db.run(
        `INSERT OR REPLACE INTO contact_groups (id, spec, updated_at, updated_by) VALUES ($1, $2, ${ts('$3')}, $4)`,
        [group.id, JSON.stringify(group.spec), group.updatedAt, group.updatedBy],
      )
    },
    async deleteContactGroup(id) {
      const rows = await db.all('DELETE FROM contact_groups WHERE id = $1 RETURNING 1', [id])
      return rows.length > 0
    },

    async listSubscriptions() {
      const rows = await db.all<{ username: string; spec: string; updated_at: number }>(
        `SELECT username, spec, ${ms('updated_at')} AS updated_at FROM alert_subscriptions ORDER BY username`,
      )
      return rows.map((row) => ({
        username: row.username,
        spec: parseJson(row.spec),
        updatedAt: row.updated_at,
      }))
    },
    async putSubscription(subscription) {
      await db.run(
        `INSERT OR REPLACE INTO alert_subscriptions (username, spec, updated_at) VALUES ($1, $2, ${ts('$3')})`,
        [subscription.username, JSON.stringify(subscription.spec), subscription.updatedAt],
      )
    },
    async deleteSubscription(username) {
      const rows = await db.all('DELETE FROM alert_subscriptions WHERE username = $1 RETURNING 1', [username])
      return rows.length > 0
    },
  }
}
