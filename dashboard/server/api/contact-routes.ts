import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { redactGroup } from '../../../ingest/alerts/admin.js'
import { GroupIdSchema } from '../../../ingest/alerts/rule-spec.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { adminCall, adminOf, userOf } from './alert-routes.js'

const Username = z.string().min(1).max(64)
export const NotificationDeadLettersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/**
 * Contact groups (the escalation ladder: who is told first, who next) and per-user subscriptions
 * (which sites, which severities, which channels, quiet hours). Webhook secrets are write-only.
 */
export function contactRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  router.get('/contact-groups', deps.auth.requireAdmin, async (_req, res) => {
    const groups = await adminOf(deps).listContactGroups()
    res.json({
      groups: groups.map((g) => ({
        id: g.id,
        updatedAt: g.updatedAt,
        ...(g.group ? { group: redactGroup(g.group) } : { group: null }),
      })),
    })
  })

  router.put('/contact-groups/:id', deps.auth.requireAdmin, async (req, res) => {
    const id = parseOr400(GroupIdSchema, req.params.id, 'group id')
    const { group, created } = await adminCall(() =>
      adminOf(deps).putContactGroup(id, req.body, userOf(res).username),
    )
    res.status(created ? 201 : 200).json({ id, group: redactGroup(group) })
  })

  router.delete('/contact-groups/:id', deps.auth.requireAdmin, async (req, res) => {
    const id = parseOr400(GroupIdSchema, req.params.id, 'group id')
    await adminCall(() => adminOf(deps).deleteContactGroup(id, userOf(res).username))
    res.status(204).end()
  })

  // each signed-in user manages their own subscription; an admin anyone's
  const subject = (param: string, me: string) =>
    param === 'me' ? me : parseOr400(Username, param, 'username')
  const allowed = (res: Parameters<typeof userOf>[0], username: string) => {
    const user = userOf(res)
    if (user.username !== username && user.role !== 'admin') throw new HttpError(403, 'admin role required')
    return user.username
  }

  router.get('/subscriptions/:username', deps.auth.requireUser, async (req, res) => {
    const username = subject(String(req.params.username), userOf(res).username)
    allowed(res, username)
    const subscription = await adminOf(deps).getSubscription(username)
    if (!subscription) throw new HttpError(404, `no subscription for ${username}`)
    res.json({ username, subscription })
  })

  router.put('/subscriptions/:username', deps.auth.requireUser, async (req, res) => {
    const username = subject(String(req.params.username), userOf(res).username)
    const actor = allowed(res, username)
    const subscription = await adminCall(() => adminOf(deps).putSubscription(username, req.body, actor))
    res.json({ username, subscription })
  })

  router.delete('/subscriptions/:username', deps.auth.requireUser, async (req, res) => {
    const username = subject(String(req.params.username), userOf(res).username)
    const actor = allowed(res, username)
    await adminCall(() => adminOf(deps).deleteSubscription(username, actor))
    res.status(204).end()
  })

  router.get('/notifications/dead-letters', deps.auth.requireAdmin, async (req, res) => {
    const query = parseOr400(NotificationDeadLettersQuerySchema, req.query, 'query')
    res.json({ deadLetters: await adminOf(deps).notificationDeadLetters(query.limit) })
  })

  return router
}
