import type { Response } from 'express'
import type { DeviceRecord } from '../../../ingest/store/meta-store.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError } from '../http-error.js'
import { canSee, type SessionUser } from '../scope.js'

export const userOf = (res: Response) => res.locals.user as SessionUser

/** A device the signed-in user may see; otherwise 404, so a scope does not reveal what exists beyond it. */
export function visibleDeviceOr404(deps: DashboardDeps, res: Response, id: string): DeviceRecord {
  const device = deps.directory.get(id)
  if (!device || !canSee(userOf(res), device)) throw new HttpError(404, `no device ${id}`)
  return device
}

export const visibleDevices = (deps: DashboardDeps, res: Response) =>
  deps.directory.list().filter((device) => canSee(userOf(res), device))
