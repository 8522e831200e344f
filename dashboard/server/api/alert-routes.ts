import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import type { DashboardDeps } from '../deps.js'
import { parseOr400 } from '../http-error.js'

export const AlertsQuerySchema = z.strictObject({
  state: z.enum(['open', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

export const DeadLettersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export function alertRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  router.get('/alerts', deps.auth.requireUser, async (req, res) => {
    const query = parseOr400(AlertsQuerySchema, req.query, 'query')
    const records = await deps.alertStore.listAlerts({
      ...(query.state === 'open' ? { state: 'raised' as const } : {}),
      limit: query.limit,
    })
    const alerts = records.map((alert) => {
      const device = deps.directory.get(alert.deviceId)
      return { ...alert, kind: device?.kind ?? null, site: device?.site ?? null }
    })
    res.json({ alerts })
  })

  router.get('/dead-letters', deps.auth.requireAdmin, async (req, res) => {
    const query = parseOr400(DeadLettersQuerySchema, req.query, 'query')
    const letters = await deps.alertStore.listDeadLetters(query.limit)
    res.json({
      deadLetters: letters.map((letter) => ({
        ...letter,
        payload: Buffer.from(letter.payload).toString('utf8'),
        payloadBase64: Buffer.from(letter.payload).toString('base64'),
      })),
    })
  })

  return router
}
