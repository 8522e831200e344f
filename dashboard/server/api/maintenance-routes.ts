import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { canAct, canSee, type SessionUser } from '../scope.js'
import { adminOf, instant, requireActor } from './alert-routes.js'

export const MaintenanceQuerySchema = z.strictObject({
  /** Windows overlapping [from, to]; `active=true` = those covering now. */
  from: instant.optional(),
  to: instant.optional(),
  active: z.stringbool().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const NewMaintenanceSchema = z
  .strictObject({
    deviceId: z.string().min(1).max(64).optional(),
    site: z.string().min(1).max(100).optional(),
    /** Default now. */
    start: instant.optional(),
    /** Open-ended until closed when absent. */
    end: instant.optional(),
    reason: z.string().min(1).max(500),
  })
  .refine((b) => (b.deviceId === undefined) !== (b.site === undefined), {
    message: 'give exactly one of deviceId or site',
    path: ['deviceId'],
  })
  .refine((b) => b.end === undefined || b.end > (b.start ?? 0), {
    message: 'end must be after start',
    path: ['end'],
  })

/**
 * Maintenance windows: alerts of the device or site pause and its readings are stored with the
 * `maintenance` quality flag; opening and closing are audited.
 */
export function maintenanceRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now

  router.get('/maintenance', deps.auth.requireUser, async (req, res) => {
    const query = parseOr400(MaintenanceQuerySchema, req.query, 'query')
    const at = now()
    const windows = await adminOf(deps).maintenance.list({
      ...(query.active ? { from: at, to: at } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      limit: query.limit,
    })
    res.json({ windows })
  })

  router.post('/maintenance', deps.auth.requireUser, async (req, res) => {
    const body = parseOr400(NewMaintenanceSchema, req.body, 'maintenance window')
    const actor = requireActor(res)
    const user = res.locals.user as SessionUser
    if (body.deviceId !== undefined) {
      const device = deps.directory.get(body.deviceId)
      if (!device || !canSee(user, device)) throw new HttpError(404, `no device ${body.deviceId}`)
      if (!canAct(user, device)) throw new HttpError(403, 'not allowed to open a window on this device')
    } else if (user.role !== 'admin' && user.sites && !user.sites.includes(body.site as string)) {
      throw new HttpError(403, 'not allowed to open a window on this site')
    }
    const window = await adminOf(deps).maintenance.open(
      {
        scope: body.deviceId !== undefined ? 'device' : 'site',
        target: (body.deviceId ?? body.site) as string,
        ...(body.start !== undefined ? { startsAt: body.start } : {}),
        ...(body.end !== undefined ? { endsAt: body.end } : {}),
        reason: body.reason,
      },
      actor,
    )
    res.status(201).json({ window })
  })

  router.post('/maintenance/:id/close', deps.auth.requireUser, async (req, res) => {
    const id = parseOr400(z.coerce.number().int().positive(), req.params.id, 'window id')
    const actor = requireActor(res)
    const window = await adminOf(deps).maintenance.close(id, actor)
    if (!window) throw new HttpError(404, `no open maintenance window ${id}`)
    res.json({ window })
  })

  return router
}
