import { Router as createRouter, type RequestHandler, type Router } from 'express'
import type { DashboardDeps } from '../deps.js'
import { deviceStatus } from '../device-status.js'
import { HttpError } from '../http-error.js'

const BAND_LABELS: Record<string, { ja: string; en: string }> = {
  normal: { ja: '平常', en: 'Normal' },
  info: { ja: '情報', en: 'Information' },
  watch: { ja: '注意', en: 'Watch' },
  warning: { ja: '警戒', en: 'Warning' },
  critical: { ja: '危険', en: 'Danger' },
  silent: { ja: '更新なし', en: 'No recent data' },
  unknown: { ja: '未受信', en: 'No data yet' },
}

/**
 * Per-client fixed-window limit for the open pages, kept apart from operators' traffic: a crowd
 * refreshing the reservoir page in a storm cannot slow the dashboard down.
 */
function rateLimit(perMinute: number, now: () => number): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>()
  return (req, res, next) => {
    const key = req.ip ?? 'unknown'
    const t = now()
    const w = windows.get(key)
    if (!w || t - w.start >= 60_000) {
      if (windows.size > 50_000) windows.clear()
      windows.set(key, { start: t, count: 1 })
      return next()
    }
    if (++w.count > perMinute) {
      res.set('Retry-After', String(Math.ceil((w.start + 60_000 - t) / 1000)))
      return next(new HttpError(429, 'too many requests; try again in a minute'))
    }
    next()
  }
}

/** Read-only reservoir status for residents: no login, no internals, cached and rate-limited. */
export function publicRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now
  router.use('/public', rateLimit(120, now), (_req, res, next) => {
    res.set('Cache-Control', 'public, max-age=30')
    next()
  })

  const status = (id: string) => {
    const device = deps.directory.get(id)
    if (device?.kind !== 'reservoir') return undefined
    const open = deps.alerts.openAlerts().filter((a) => a.deviceId === id)
    const lastSeen = deps.latest.lastSeen(id)
    const band = deviceStatus(open, lastSeen, now(), deps.silentAfterMs)
    const level = deps.latest.get(id).water_level_m
    return {
      id: device.id,
      name: device.site ?? device.id,
      band,
      bandLabel: BAND_LABELS[band] ?? { ja: band, en: band },
      level: level ? { value: Math.round(level.value * 100) / 100, unit: 'm', ts: level.ts } : null,
      lastUpdate: lastSeen,
    }
  }

  router.get('/public/reservoirs', (_req, res) => {
    const reservoirs = deps.directory
      .list()
      .filter((d) => d.kind === 'reservoir')
      .map((d) => status(d.id))
    res.json({ reservoirs })
  })

  router.get('/public/reservoirs/:id', (req, res) => {
    const found = status(String(req.params.id))
    if (!found) throw new HttpError(404, 'no such reservoir')
    res.json(found)
  })

  return router
}
