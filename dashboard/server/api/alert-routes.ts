import { Router as createRouter, type Response, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_ID_PATTERN, DEVICE_KINDS, REJECT_REASONS } from '../../../firmware-contracts/index.js'
import { type AlertAdmin, AlertAdminError } from '../../../ingest/alerts/admin.js'
import { AlertActionError } from '../../../ingest/alerts/lifecycle.js'
import { SEVERITIES, SEVERITY_LABELS } from '../../../ingest/alerts/severity.js'
import type { AlertRecord } from '../../../ingest/store/meta-store.js'
import type { SessionUser } from '../auth.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { canAct, canSee } from '../scope.js'

export const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
])

const RULE_TYPES = ['threshold', 'battery', 'rate', 'forecast', 'silence', 'fault', 'gateway'] as const

export const AlertsQuerySchema = z.strictObject({
  /** `open` = raised or acknowledged and not cleared; `raised` = open and not yet acknowledged. */
  state: z.enum(['open', 'all', 'raised', 'acknowledged', 'cleared']).default('all'),
  site: z.string().min(1).max(100).optional(),
  /** Device kind, or `gateway` for group incidents. */
  kind: z.enum([...DEVICE_KINDS, 'gateway']).optional(),
  /** Rule type. */
  type: z.enum(RULE_TYPES).optional(),
  /** One severity or several, comma-separated: `warning,critical`. */
  severity: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(SEVERITIES)))
    .optional(),
  deviceId: z.string().min(1).max(64).optional(),
  /** Alerts whose life overlaps [from, to]. */
  from: instant.optional(),
  to: instant.optional(),
  /** true: only alerts recorded from late data; false: only live ones. */
  historical: z.stringbool().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

export const DeadLettersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  reason: z.enum(REJECT_REASONS).optional(),
  device: z.string().regex(DEVICE_ID_PATTERN).optional(),
})

export const AckSchema = z.strictObject({ note: z.string().max(500).optional() })

/** The admin API of the alert engine, or 503 when this process runs without it. */
export function adminOf(deps: DashboardDeps): AlertAdmin {
  const admin = deps.alerts.admin
  if (!admin) throw new HttpError(503, 'alert administration is not available in this process')
  return admin
}

/** Runs an admin call, turning its refusals into HTTP answers. */
export async function adminCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof AlertAdminError) throw new HttpError(err.status, err.message)
    throw err
  }
}

export const userOf = (res: Response) => res.locals.user as SessionUser

/** DESIGN.md "Roles": operators and admins act; viewers only read. */
export function requireActor(res: Response): string {
  const user = userOf(res)
  if (user.role === 'viewer') throw new HttpError(403, 'viewers cannot change anything')
  return user.username
}

export function alertRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  const present = (alert: AlertRecord) => {
    const device = deps.directory.get(alert.deviceId)
    return {
      ...alert,
      kind: alert.deviceKind ?? device?.kind ?? null,
      site: alert.site ?? device?.site ?? null,
      severityLabel: SEVERITY_LABELS[alert.severity],
    }
  }

  router.get('/alerts', deps.auth.requireUser, async (req, res) => {
    const query = parseOr400(AlertsQuerySchema, req.query, 'query')
    const state =
      query.state === 'open' || query.state === 'raised' || query.state === 'acknowledged'
        ? { state: 'raised' as const }
        : query.state === 'cleared'
          ? { state: 'cleared' as const }
          : {}
    const records = await deps.alertStore.listAlerts({
      ...state,
      ...(query.state === 'raised' ? { acknowledged: false } : {}),
      ...(query.state === 'acknowledged' ? { acknowledged: true } : {}),
      ...(query.site ? { site: query.site } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.severity ? { severities: query.severity } : {}),
      ...(query.deviceId ? { deviceId: query.deviceId } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.historical !== undefined ? { historical: query.historical } : {}),
      limit: query.limit,
    })
    // the same scope as devices: a farmer's inbox holds their paddies' alerts only
    const user = userOf(res)
    res.json({
      alerts: records
        .map(present)
        .filter((a) => a.kind === null || canSee(user, { kind: a.kind, site: a.site })),
    })
  })

  router.get('/alerts/:id', deps.auth.requireUser, async (req, res) => {
    const id = parseOr400(z.coerce.number().int().positive(), req.params.id, 'alert id')
    const alert = await deps.alertStore.getAlert(id)
    const shown = alert && present(alert)
    if (!shown || (shown.kind !== null && !canSee(userOf(res), { kind: shown.kind, site: shown.site }))) {
      throw new HttpError(404, `no alert ${id}`)
    }
    res.json({ alert: shown, events: await deps.alertStore.listAlertEvents(id) })
  })

  router.post('/alerts/:id/ack', deps.auth.requireUser, async (req, res) => {
    const id = parseOr400(z.coerce.number().int().positive(), req.params.id, 'alert id')
    const body = parseOr400(AckSchema, req.body ?? {}, 'body')
    const actor = requireActor(res)
    const existing = await deps.alertStore.getAlert(id)
    const shown = existing && present(existing)
    if (!shown || (shown.kind !== null && !canAct(userOf(res), { kind: shown.kind, site: shown.site }))) {
      throw new HttpError(404, `no alert ${id}`)
    }
    try {
      const alert = await deps.alerts.acknowledge(id, actor, body.note ?? null)
      deps.audit?.({ actor, action: 'alert.ack', target: `alert:${id}`, detail: { note: body.note ?? null } })
      res.json({ alert: present(alert) })
    } catch (err) {
      if (err instanceof AlertActionError)
        throw new HttpError(err.code === 'not_found' ? 404 : 409, err.message)
      throw err
    }
  })

  router.get('/dead-letters', deps.auth.requireAdmin, async (req, res) => {
    const query = parseOr400(DeadLettersQuerySchema, req.query, 'query')
    const letters = await deps.alertStore.listDeadLetters(query.limit, {
      ...(query.reason ? { reason: query.reason } : {}),
      ...(query.device ? { deviceId: query.device } : {}),
    })
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
