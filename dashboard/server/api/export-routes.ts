import { once } from 'node:events'
import { Router as createRouter, type Response, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_ID_PATTERN, DEVICE_KINDS, unitOf } from '../../../firmware-contracts/index.js'
import type { DeviceRecord } from '../../../ingest/store/meta-store.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { visibleDevices } from './visible.js'

const DAY = 86_400_000

export const ExportQuerySchema = z.strictObject({
  site: z.string().min(1).max(100).optional(),
  device: z.string().regex(DEVICE_ID_PATTERN).optional(),
  kind: z.enum(DEVICE_KINDS).optional(),
  metric: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .optional(),
  from: z
    .union([
      z.coerce.number().int().nonnegative(),
      z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    ])
    .optional(),
  to: z
    .union([
      z.coerce.number().int().nonnegative(),
      z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    ])
    .optional(),
  format: z.enum(['csv', 'json']).default('csv'),
})

/** The stable CSV layout (docs/storage.md): one row per metric value, UTC timestamps, units. */
export const CSV_COLUMNS = [
  'timestamp_utc',
  'device_id',
  'site',
  'kind',
  'latitude',
  'longitude',
  'metric',
  'value',
  'unit',
  'seq',
]

const csvField = (value: string | number | null | undefined) => {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

async function writeChunk(res: Response, text: string) {
  if (!res.write(text)) await once(res, 'drain')
}

/**
 * Open-data export, streamed: rows go out chunk by chunk as DuckDB produces them, and a slow
 * client slows the scan (write backpressure) instead of the server buffering the whole answer.
 */
export function exportRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now

  router.get('/export', deps.auth.requireUser, async (req, res) => {
    const query = parseOr400(ExportQuerySchema, req.query, 'query')
    const to = query.to ?? now()
    const from = query.from ?? to - DAY
    if (from > to) throw new HttpError(400, 'invalid query: `from` is after `to`')
    const stations = visibleDevices(deps, res).filter(
      (d) =>
        (!query.site || d.site === query.site) &&
        (!query.device || d.id === query.device) &&
        (!query.kind || d.kind === query.kind),
    )
    if (stations.length === 0) throw new HttpError(404, 'no station matches the filter')
    const byId = new Map<string, DeviceRecord>(stations.map((d) => [d.id, d]))
    const scan = deps.readings.scan({
      deviceIds: [...byId.keys()],
      from,
      to,
      ...(query.metric ? { metric: query.metric } : {}),
    })
    const stamp = new Date(from).toISOString().slice(0, 10)
    res.setHeader('Content-Disposition', `attachment; filename="mimamori-${stamp}.${query.format}"`)
    res.setHeader('Cache-Control', 'no-store')

    let aborted = false
    res.on('close', () => {
      aborted = !res.writableFinished
    })

    if (query.format === 'csv') {
      res.type('text/csv; charset=utf-8')
      await writeChunk(res, `${CSV_COLUMNS.join(',')}\n`)
      for await (const rows of scan) {
        if (aborted) break
        let text = ''
        for (const row of rows) {
          const station = byId.get(row.deviceId)
          text += `${[
            new Date(row.ts).toISOString(),
            row.deviceId,
            csvField(station?.site),
            station?.kind,
            station?.lat ?? '',
            station?.lon ?? '',
            row.metric,
            row.value,
            unitOf(row.metric),
            row.seq,
          ].join(',')}\n`
        }
        await writeChunk(res, text)
      }
      res.end()
      return
    }

    res.type('application/json; charset=utf-8')
    const meta = {
      generatedAt: new Date(now()).toISOString(),
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      license: 'see the publisher',
      stations: stations.map((d) => ({
        id: d.id,
        kind: d.kind,
        site: d.site,
        latitude: d.lat ?? null,
        longitude: d.lon ?? null,
      })),
    }
    await writeChunk(res, `{"meta":${JSON.stringify(meta)},"readings":[`)
    let first = true
    for await (const rows of scan) {
      if (aborted) break
      let text = ''
      for (const row of rows) {
        text += `${first ? '' : ','}\n${JSON.stringify({
          ts: new Date(row.ts).toISOString(),
          device: row.deviceId,
          metric: row.metric,
          value: row.value,
          unit: unitOf(row.metric),
          seq: row.seq,
        })}`
        first = false
      }
      await writeChunk(res, text)
    }
    res.end('\n]}\n')
  })

  return router
}
