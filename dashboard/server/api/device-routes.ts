import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_ID_PATTERN, DEVICE_KINDS, unitOf } from '../../../firmware-contracts/index.js'
import type { DeviceRecord } from '../../../ingest/store/meta-store.js'
import type { DashboardDeps } from '../deps.js'
import { deviceStatus } from '../device-status.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { visibleDeviceOr404, visibleDevices } from './visible.js'

const HOUR = 3_600_000
/** Raw points are returned up to this range; longer ranges get buckets unless a step is given. */
const RAW_RANGE_LIMIT_MS = 6 * HOUR
const TARGET_BUCKETS = 1000

const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
])

export const ReadingsQuerySchema = z.strictObject({
  metric: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .optional(),
  from: instant.optional(),
  to: instant.optional(),
  step: z.coerce
    .number()
    .int()
    .min(1000)
    .max(366 * 24 * HOUR)
    .optional(),
})

export const NewDeviceSchema = z.strictObject({
  id: z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, - and _; 1-64 chars'),
  kind: z.enum(DEVICE_KINDS),
  site: z.string().min(1).max(100).nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  lon: z.number().min(-180).max(180).nullable().optional(),
  gatewayId: z.string().regex(DEVICE_ID_PATTERN).nullable().optional(),
})

export function deviceRoutes(deps: DashboardDeps): Router {
  const router = createRouter()
  const now = deps.now ?? Date.now

  const summary = (device: DeviceRecord) => {
    const open = deps.alerts.openAlerts().filter((a) => a.deviceId === device.id)
    const lastSeen = deps.latest.lastSeen(device.id)
    return {
      id: device.id,
      kind: device.kind,
      site: device.site,
      lat: device.lat ?? null,
      lon: device.lon ?? null,
      gatewayId: device.gatewayId ?? null,
      createdAt: device.createdAt,
      lastSeen,
      latest: deps.latest.get(device.id),
      status: deviceStatus(open, lastSeen, now(), deps.silentAfterMs),
      openAlerts: open.length,
    }
  }

  const deviceOr404 = (id: string) => {
    const device = deps.directory.get(id)
    if (!device) throw new HttpError(404, `no device ${id}`)
    return device
  }

  router.get('/devices', deps.auth.requireUser, (_req, res) => {
    res.json({ devices: visibleDevices(deps, res).map(summary) })
  })

  router.post('/devices', deps.auth.requireAdmin, async (req, res) => {
    const body = parseOr400(NewDeviceSchema, req.body, 'device')
    if (deps.directory.get(body.id)) throw new HttpError(409, `device ${body.id} exists already`)
    const { password } = await deps.provision({
      id: body.id,
      kind: body.kind,
      site: body.site ?? null,
      lat: body.lat ?? null,
      lon: body.lon ?? null,
      gatewayId: body.gatewayId ?? null,
    })
    deps.audit?.({
      actor: res.locals.user.username,
      action: 'device.add',
      target: body.id,
      detail: { kind: body.kind },
    })
    res.status(201).json({ device: summary(deviceOr404(body.id)), password })
  })

  router.delete('/devices/:id', deps.auth.requireAdmin, async (req, res) => {
    if (!(await deps.directory.remove(String(req.params.id))))
      throw new HttpError(404, `no device ${req.params.id}`)
    deps.audit?.({ actor: res.locals.user.username, action: 'device.remove', target: String(req.params.id) })
    res.status(204).end()
  })

  router.get('/devices/:id', deps.auth.requireUser, (req, res) => {
    const device = visibleDeviceOr404(deps, res, String(req.params.id))
    const { latest, ...rest } = summary(device)
    res.json({ device: rest, latest, rules: deps.alerts.rulesFor(device.kind) })
  })

  router.get('/devices/:id/latest', deps.auth.requireUser, (req, res) => {
    const device = visibleDeviceOr404(deps, res, String(req.params.id))
    const latest = Object.fromEntries(
      Object.entries(deps.latest.get(device.id)).map(([metric, v]) => [
        metric,
        { ...v, unit: unitOf(metric) },
      ]),
    )
    res.json({ deviceId: device.id, lastSeen: deps.latest.lastSeen(device.id), latest })
  })

  router.get('/devices/:id/readings', deps.auth.requireUser, async (req, res) => {
    const device = visibleDeviceOr404(deps, res, String(req.params.id))
    const query = parseOr400(ReadingsQuerySchema, req.query, 'query')
    const metric = query.metric ?? Object.keys(deps.latest.get(device.id))[0]
    const to = query.to ?? now()
    const from = query.from ?? to - HOUR
    if (from > to) throw new HttpError(400, 'invalid query: `from` is after `to`')
    if (!metric) {
      res.json({ deviceId: device.id, metric: null, unit: '', from, to, step: null, points: [] })
      return
    }
    const step =
      query.step ??
      (to - from > RAW_RANGE_LIMIT_MS ? Math.ceil((to - from) / TARGET_BUCKETS / 60_000) * 60_000 : undefined)
    const range = { deviceId: device.id, metric, from, to }
    const points =
      step === undefined
        ? await deps.readings.raw(range)
        : await deps.readings.buckets({ ...range, stepMs: step })
    res.json({ deviceId: device.id, metric, unit: unitOf(metric), from, to, step: step ?? null, points })
  })

  return router
}
