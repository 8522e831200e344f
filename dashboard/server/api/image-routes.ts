import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { visibleDeviceOr404 } from './visible.js'

const DAY = 86_400_000

export const ImagesQuerySchema = z.strictObject({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
})

/** Reservoir camera images: a timeline per device and the JPEG bytes, both behind a session. */
export function imageRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now

  router.get('/devices/:id/images', deps.auth.requireUser, async (req, res) => {
    const id = visibleDeviceOr404(deps, res, String(req.params.id)).id
    const query = parseOr400(ImagesQuerySchema, req.query, 'query')
    const to = query.to ?? now()
    const from = query.from ?? to - DAY
    const images = await deps.images.list(id, from, to, query.limit)
    res.json({
      deviceId: id,
      images: images.map((image) => ({
        captureTs: image.captureTs,
        receivedAt: image.receivedAt,
        bytes: image.bytes,
        url: `/api/v1/devices/${encodeURIComponent(id)}/images/${image.captureTs}`,
      })),
    })
  })

  router.get('/devices/:id/images/:captureTs', deps.auth.requireUser, async (req, res) => {
    const captureTs = Number(req.params.captureTs)
    if (!Number.isSafeInteger(captureTs))
      throw new HttpError(400, 'invalid capture time: epoch milliseconds expected')
    const jpeg = await deps.images.read(visibleDeviceOr404(deps, res, String(req.params.id)).id, captureTs)
    if (!jpeg) throw new HttpError(404, 'no such image')
    res.set('Cache-Control', 'private, max-age=31536000, immutable').type('image/jpeg').send(jpeg)
  })

  return router
}
