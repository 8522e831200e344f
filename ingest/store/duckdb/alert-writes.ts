import { BOOLEAN, DOUBLE, type DuckDBType, LIST, listValue, VARCHAR } from '@duckdb/node-api'
import { type AlertRecord, SEVERITY_RANK } from '../meta-store.js'
import type { Db } from './database.js'
import { createWriteQueue, PartlyWritten } from './write-queue.js'

export type NewAlert = Omit<AlertRecord, 'id'>

/** Rows per statement: a critical alert waits at most for one batch of lesser ones. */
export const MAX_ALERT_BATCH = 500

/** Ids reserved at a time; the unused ones of a block are a gap in the ids after a restart. */
const ID_BLOCK = 64

// a list's type is inferred from its first item otherwise: [61, 9.2] would be INTEGER[] and fail
const NUMBERS = LIST(DOUBLE)
const TEXTS = LIST(VARCHAR)
const FLAGS = LIST(BOOLEAN)

export interface AlertClear {
  id: number
  clearedAt: number
  value: number
  by?: { actor: string; note: string }
}

/**
 * New and cleared alerts, written in batches (write-queue.ts): the alerts raised while one batch
 * is being written go into the next, as one statement for the alerts and one for their events.
 * Measured here: one parameterised INSERT … RETURNING ~3 ms of CPU, so a storm of 10,000 alerts
 * (a fleet sending constant values, a city-wide outage) took ~70 s of a core one by one, and
 * takes well under a second batched. New alerts go most severe first: a critical alert waits at
 * most for one batch of lesser ones.
 */
export function createAlertWrites<Row extends { id: number }>(
  db: Db,
  returning: string,
  toRecord: (row: Row) => AlertRecord,
) {
  /** Ids taken from the sequence and not used yet: one query per ID_BLOCK alerts, not per batch. */
  let spare: number[] = []

  const nextIds = db.prepared("SELECT nextval('alert_ids')::DOUBLE AS id FROM range($1::BIGINT)")
  const insertAlerts = db.prepared(
    `INSERT INTO alerts (id, rule_id, device_id, metric, severity, state, message, value, threshold, raised_at,
       cleared_at, type, subject, site, device_kind, escalation_level, historical, late, evidence)
     SELECT id, rule_id, device_id, metric, severity, 'raised', message, value, threshold,
       to_timestamp(raised_at / 1000), NULL, type, subject, site, device_kind, 0, historical, late, evidence
     FROM (SELECT unnest($1::BIGINT[]) AS id, unnest($2::VARCHAR[]) AS rule_id,
       unnest($3::VARCHAR[]) AS device_id, unnest($4::VARCHAR[]) AS metric, unnest($5::VARCHAR[]) AS severity,
       unnest($6::VARCHAR[]) AS message, unnest($7::DOUBLE[]) AS value, unnest($8::DOUBLE[]) AS threshold,
       unnest($9::DOUBLE[]) AS raised_at, unnest($10::VARCHAR[]) AS type, unnest($11::VARCHAR[]) AS subject,
       unnest($12::VARCHAR[]) AS site, unnest($13::VARCHAR[]) AS device_kind,
       unnest($14::BOOLEAN[]) AS historical, unnest($15::BOOLEAN[]) AS late, unnest($16::VARCHAR[]) AS evidence)
     RETURNING ${returning}`,
  )
  const insertEvents = db.prepared(
    `INSERT INTO alert_events SELECT id, 'raised', to_timestamp(raised / 1000), value, 'system', NULL
       FROM (SELECT unnest($1::BIGINT[]) AS id, unnest($2::DOUBLE[]) AS raised, unnest($3::DOUBLE[]) AS value)`,
  )

  const takeIds = async (count: number): Promise<number[]> => {
    if (spare.length < count) {
      const rows = await nextIds.all<{ id: number }>([Math.max(ID_BLOCK, count - spare.length)])
      spare = spare.concat(rows.map((row) => row.id).sort((a, b) => a - b))
    }
    return spare.splice(0, count)
  }

  const insertRows = async (alerts: NewAlert[]): Promise<AlertRecord[]> => {
    const ids = await takeIds(alerts.length)
    // the parameters in order, each list with its type (ids travel as DOUBLE, cast to BIGINT in SQL)
    const columns: Array<[DuckDBType, (alert: NewAlert, i: number) => unknown]> = [
      [NUMBERS, (_, i) => ids[i]],
      [TEXTS, (a) => a.ruleId],
      [TEXTS, (a) => a.deviceId],
      [TEXTS, (a) => a.metric],
      [TEXTS, (a) => a.severity],
      [TEXTS, (a) => a.message],
      [NUMBERS, (a) => a.value],
      [NUMBERS, (a) => a.threshold],
      [NUMBERS, (a) => a.raisedAt],
      [TEXTS, (a) => a.type ?? 'threshold'],
      [TEXTS, (a) => a.subject ?? 'device'],
      [TEXTS, (a) => a.site ?? null],
      [TEXTS, (a) => a.deviceKind ?? null],
      [FLAGS, (a) => a.historical ?? false],
      [FLAGS, (a) => a.late ?? false],
      [TEXTS, (a) => (a.evidence === undefined ? null : JSON.stringify(a.evidence))],
    ]
    const rows = await insertAlerts.all<Row>(
      columns.map(([, pick]) => listValue(alerts.map(pick) as never[])),
      columns.map(([type]) => type),
    )
    const byId = new Map(rows.map((row) => [row.id, row]))
    return ids.map((id) => toRecord(byId.get(id) as Row))
  }

  const clearAlerts = db.prepared(
    `UPDATE alerts SET state = 'cleared', cleared_at = to_timestamp(c.cleared / 1000)
       FROM (SELECT unnest($1::BIGINT[]) AS id, unnest($2::DOUBLE[]) AS cleared) AS c
      WHERE alerts.id = c.id`,
  )
  const clearEvents = db.prepared(
    `INSERT INTO alert_events SELECT id, 'cleared', to_timestamp(cleared / 1000), value, actor, note
       FROM (SELECT unnest($1::BIGINT[]) AS id, unnest($2::DOUBLE[]) AS cleared, unnest($3::DOUBLE[]) AS value,
         unnest($4::VARCHAR[]) AS actor, unnest($5::VARCHAR[]) AS note)`,
  )

  const insert = createWriteQueue<NewAlert, AlertRecord>(
    async (alerts) => {
      const records = await insertRows(alerts)
      try {
        await insertEvents.run(
          [
            listValue(records.map((r) => r.id)),
            listValue(records.map((r) => r.raisedAt)),
            listValue(records.map((r) => r.value)),
          ],
          [NUMBERS, NUMBERS, NUMBERS],
        )
      } catch (err) {
        // the alerts are stored, only their 'raised' events are not: a retry would store them twice
        throw new PartlyWritten('alert events not stored', { cause: err })
      }
      return records
    },
    { maxBatch: MAX_ALERT_BATCH, rank: (alert) => SEVERITY_RANK[alert.severity] },
  )

  // retried one by one after a failure, a clear stores the same state again and its event (which
  // the failed batch did not store), so no PartlyWritten here
  const clear = createWriteQueue<AlertClear, void>(
    async (clears) => {
      const ids = listValue(clears.map((c) => c.id))
      const at = listValue(clears.map((c) => c.clearedAt))
      await clearAlerts.run([ids, at], [NUMBERS, NUMBERS])
      await clearEvents.run(
        [
          ids,
          at,
          listValue(clears.map((c) => c.value)),
          listValue(clears.map((c) => c.by?.actor ?? 'system')),
          listValue(clears.map((c) => c.by?.note ?? null)),
        ],
        [NUMBERS, NUMBERS, NUMBERS, TEXTS, TEXTS],
      )
      return clears.map(() => undefined)
    },
    { maxBatch: MAX_ALERT_BATCH },
  )

  return {
    insertAlert: insert,
    clearAlert: (id: number, clearedAt: number, value: number, by?: AlertClear['by']) =>
      clear({ id, clearedAt, value, ...(by ? { by } : {}) }),
  }
}
