import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { canAct, canActOnSite, canSee, type SessionUser } from '../scope.js'
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

  /** A device out of sight is 404; in sight but out of reach, or a site not wholly in reach, 403. */
  const checkScope = (user: SessionUser, scope: 'device' | 'site', target: string) => {
    if (scope === 'device') {
      const device = deps.directory.get(target)
      if (!device || !canSee(user, device)) throw new HttpError(404, `no device ${target}`)
      if (!canAct(user, device))
        throw new HttpError(403, 'not allowed to open or close a window on this device')
    } else if (!canActOnSite(user, target, deps.directory.list())) {
      throw new HttpError(403, 'not allowed to open or close a window on this site')
    }
  }

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
    checkScope(user, body.deviceId !== undefined ? 'device' : 'site', (body.deviceId ?? body.site) as string)
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
    const user = res.locals.user as SessionUser
    if (user.role !== 'admin') {
      // closing resumes alerts: the same scope as opening (windows not yet ended are listed)
      const windows = await adminOf(deps).maintenance.list({ from: now(), limit: 1000 })
      const open = windows.find((w) => w.id === id && w.closedAt === null)
      if (!open) throw new HttpError(404, `no open maintenance window ${id}`)
      checkScope(user, open.scope, open.target)
    }
    const window = await adminOf(deps).maintenance.close(id, actor)
    if (!window) throw new HttpError(404, `no open maintenance window ${id}`)
    res.json({ window })
  })

  return router
}
