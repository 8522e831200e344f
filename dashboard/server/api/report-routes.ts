import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { PRIMARY_METRIC } from '../../../firmware-contracts/index.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { visibleDevices } from './visible.js'

const DAY = 86_400_000
const HOUR = 3_600_000
/** Reports count calendar days in Japan (UTC+9, no daylight saving). */
const JST_OFFSET = 9 * HOUR

export const PatrolReportQuerySchema = z.strictObject({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  format: z.enum(['json', 'csv']).default('json'),
})

export interface PatrolRow {
  deviceId: string
  kind: string
  site: string | null
  days: number
  /** Days with data and no alert: nobody needed to walk there. */
  daysInBand: number
  daysWithAlerts: number
  daysWithoutData: number
}

const jstDay = (ts: number) => Math.floor((ts + JST_OFFSET) / DAY)

/**
 * The patrol-savings report (the seed goal: fewer field patrols). For each paddy and reservoir,
 * per Japanese calendar day: was there data, and was any alert open? A day with data and no
 * alert is a day the farmer or bureau staff could skip the visit.
 */
export function reportRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now

  router.get('/reports/patrol', deps.auth.requireUser, async (req, res) => {
    const query = parseOr400(PatrolReportQuerySchema, req.query, 'query')
    const to = query.to ?? now()
    const from = query.from ?? to - 30 * DAY
    if (from > to) throw new HttpError(400, 'invalid query: `from` is after `to`')
    if (to - from > 366 * DAY) throw new HttpError(400, 'invalid query: at most one year per report')
    const firstDay = jstDay(from)
    const lastDay = jstDay(to)
    const rows: PatrolRow[] = []
    for (const device of visibleDevices(deps, res).filter(
      (d) => d.kind === 'paddy' || d.kind === 'reservoir',
    )) {
      const hours = await deps.readings.buckets({
        deviceId: device.id,
        metric: PRIMARY_METRIC[device.kind],
        from,
        to,
        stepMs: HOUR,
      })
      const withData = new Set(hours.filter((h) => h.count > 0).map((h) => jstDay(h.ts)))
      const withAlerts = new Set<number>()
      // this device's alerts whose life overlaps the range, open ones included
      const alerts = await deps.alertStore.listAlerts({ deviceId: device.id, from, to, limit: 1000 })
      for (const alert of alerts) {
        const start = Math.max(jstDay(alert.raisedAt), firstDay)
        const end = Math.min(jstDay(alert.clearedAt ?? now()), lastDay)
        for (let day = start; day <= end; day++) withAlerts.add(day)
      }
      let daysInBand = 0
      let daysWithoutData = 0
      for (let day = firstDay; day <= lastDay; day++) {
        if (!withData.has(day)) daysWithoutData++
        else if (!withAlerts.has(day)) daysInBand++
      }
      rows.push({
        deviceId: device.id,
        kind: device.kind,
        site: device.site,
        days: lastDay - firstDay + 1,
        daysInBand,
        daysWithAlerts: withAlerts.size,
        daysWithoutData,
      })
    }
    if (query.format === 'csv') {
      const field = (v: string | number | null) =>
        v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v)
      const lines = ['device_id,kind,site,days,days_in_band,days_with_alerts,days_without_data']
      for (const r of rows) {
        lines.push(
          [r.deviceId, r.kind, r.site, r.days, r.daysInBand, r.daysWithAlerts, r.daysWithoutData]
            .map(field)
            .join(','),
        )
      }
      res
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', 'attachment; filename="patrol-savings.csv"')
      res.send(`${lines.join('\n')}\n`)
      return
    }
    res.json({ from, to, timezone: 'Asia/Tokyo', devices: rows })
  })

  return router
}
