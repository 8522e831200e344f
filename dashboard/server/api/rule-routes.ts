import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { RuleIdSchema } from '../../../ingest/alerts/rule-spec.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { adminCall, adminOf, requireActor, userOf } from './alert-routes.js'

export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  action: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(200).optional(),
})

const Scope = z.enum(['site', 'device'])
const Target = z.string().min(1).max(100)

/**
 * Alert rules and per-site/per-device settings (docs/alerts.md): the same zod schemas as the rules
 * file validate every change; each change is audited and the engine reloads at once.
 */
export function ruleRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  router.get('/rules', deps.auth.requireUser, async (_req, res) => {
    res.json({ rules: await adminOf(deps).listRules() })
  })

  router.get('/rules/:id', deps.auth.requireUser, async (req, res) => {
    const id = parseOr400(RuleIdSchema, req.params.id, 'rule id')
    const rule = (await adminOf(deps).listRules()).find((r) => r.id === id)
    if (!rule) throw new HttpError(404, `no rule ${id}`)
    res.json(rule)
  })

  router.put('/rules/:id', deps.auth.requireAdmin, async (req, res) => {
    const id = parseOr400(RuleIdSchema, req.params.id, 'rule id')
    const { rule, created } = await adminCall(() => adminOf(deps).putRule(id, req.body, userOf(res).username))
    res.status(created ? 201 : 200).json({ rule })
  })

  router.delete('/rules/:id', deps.auth.requireAdmin, async (req, res) => {
    const id = parseOr400(RuleIdSchema, req.params.id, 'rule id')
    await adminCall(() => adminOf(deps).deleteRule(id, userOf(res).username))
    res.status(204).end()
  })

  router.get('/alert-settings', deps.auth.requireUser, async (_req, res) => {
    res.json({ settings: await adminOf(deps).listSettings() })
  })

  // operators set their own sites' parameters (crop calendar, crest level); viewers only read
  router.put('/alert-settings/:scope/:target', deps.auth.requireUser, async (req, res) => {
    const scope = parseOr400(Scope, req.params.scope, 'scope')
    const target = parseOr400(Target, req.params.target, 'target')
    const actor = requireActor(res)
    const settings = await adminCall(() => adminOf(deps).putSettings(scope, target, req.body, actor))
    res.json({ scope, target, settings })
  })

  router.delete('/alert-settings/:scope/:target', deps.auth.requireUser, async (req, res) => {
    const scope = parseOr400(Scope, req.params.scope, 'scope')
    const target = parseOr400(Target, req.params.target, 'target')
    const actor = requireActor(res)
    await adminCall(() => adminOf(deps).deleteSettings(scope, target, actor))
    res.status(204).end()
  })

  router.get('/audit', deps.auth.requireAdmin, async (req, res) => {
    const query = parseOr400(AuditQuerySchema, req.query, 'query')
    res.json({ entries: await adminOf(deps).audit(query) })
  })

  return router
}
