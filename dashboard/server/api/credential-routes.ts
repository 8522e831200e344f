import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_ID_PATTERN } from '../../../firmware-contracts/index.js'
import { CredentialError } from '../../../ingest/credentials.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'

const DeviceIdParams = z.strictObject({ id: z.string().regex(DEVICE_ID_PATTERN) })

/**
 * POST /devices/{id}/rotate → a new MQTT password, shown once; POST /devices/{id}/revoke. Either
 * disconnects the device at once. Admins only.
 */
export function credentialRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const service = () => {
    if (!deps.credentials) throw new HttpError(501, 'credential changes are not available in this process')
    return deps.credentials
  }
  const run = async <T>(work: () => Promise<T>) => {
    try {
      return await work()
    } catch (err) {
      if (err instanceof CredentialError) throw new HttpError(404, err.message)
      throw err
    }
  }
  router.post('/devices/:id/rotate', deps.auth.requireAdmin, async (req, res) => {
    const { id } = parseOr400(DeviceIdParams, req.params, 'path')
    const { password } = await run(() => service().rotate(id))
    deps.audit?.({ actor: String(res.locals.user?.username ?? 'admin'), action: 'device.rotate', target: id })
    res.json({ id, username: id, clientId: id, password })
  })
  router.post('/devices/:id/revoke', deps.auth.requireAdmin, async (req, res) => {
    const { id } = parseOr400(DeviceIdParams, req.params, 'path')
    const { revokedAt } = await run(() => service().revoke(id))
    deps.audit?.({ actor: String(res.locals.user?.username ?? 'admin'), action: 'device.revoke', target: id })
    res.json({ id, revokedAt: new Date(revokedAt).toISOString() })
  })
  return router
}
