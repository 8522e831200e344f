import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_ID_PATTERN } from '../../../firmware-contracts/index.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'

export const NewGatewaySchema = z.strictObject({
  id: z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, - and _; 1-64 chars'),
})

/** Edge gateways: registration (admin) and their last reported status (backlog, disk budget, uplink). */
export function gatewayRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  // gateways are infrastructure across sites and kinds: admins only
  router.get('/gateways', deps.auth.requireAdmin, (_req, res) => {
    res.json({
      gateways: deps.directory.listGateways().map((g) => ({
        id: g.id,
        createdAt: g.createdAt,
        devices: deps.directory.devicesOf(g.id).map((d) => d.id),
        status: deps.gatewayStatuses.get(g.id) ?? null,
      })),
    })
  })

  router.post('/gateways', deps.auth.requireAdmin, async (req, res) => {
    const body = parseOr400(NewGatewaySchema, req.body, 'gateway')
    if (deps.directory.getGateway(body.id) || deps.directory.get(body.id))
      throw new HttpError(409, `${body.id} exists already`)
    const { password, deviceKey } = await deps.provisionGateway({ id: body.id })
    deps.audit?.({ actor: res.locals.user.username, action: 'gateway.add', target: body.id })
    res.status(201).json({ gateway: { id: body.id }, password, deviceKey })
  })

  router.delete('/gateways/:id', deps.auth.requireAdmin, async (req, res) => {
    const id = String(req.params.id)
    let removed: boolean
    try {
      removed = await deps.directory.removeGateway(id)
    } catch (err) {
      throw new HttpError(409, (err as Error).message)
    }
    if (!removed) throw new HttpError(404, `no gateway ${id}`)
    res.status(204).end()
  })

  return router
}
