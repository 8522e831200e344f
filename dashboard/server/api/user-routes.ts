import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { DEVICE_KINDS } from '../../../firmware-contracts/index.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'
import { generatePassword, hashPassword } from '../passwords.js'

export const NewUserSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits, . _ @ -; 1-64 chars'),
  password: z.string().min(12, 'at least 12 characters').max(256).optional(),
  role: z.enum(['admin', 'operator', 'viewer']),
  kinds: z.array(z.enum(DEVICE_KINDS)).min(1).nullable().optional(),
  sites: z.array(z.string().min(1).max(100)).min(1).nullable().optional(),
})

/** Users (admin only): a farmer is an operator scoped to their paddies' sites. */
export function userRoutes(deps: DashboardDeps): Router {
  const router = createRouter()

  router.get('/users', deps.auth.requireAdmin, async (_req, res) => {
    const users = await deps.users.listUsers()
    res.json({
      users: users.map((u) => ({
        username: u.username,
        role: u.role,
        kinds: u.kinds ?? null,
        sites: u.sites ?? null,
        createdAt: u.createdAt,
      })),
    })
  })

  router.post('/users', deps.auth.requireAdmin, async (req, res) => {
    const body = parseOr400(NewUserSchema, req.body, 'user')
    if (await deps.users.getUser(body.username))
      throw new HttpError(409, `user ${body.username} exists already`)
    const password = body.password ?? generatePassword()
    await deps.users.addUser({
      username: body.username,
      passwordHash: await hashPassword(password),
      role: body.role,
      createdAt: (deps.now ?? Date.now)(),
      kinds: body.kinds ?? null,
      sites: body.sites ?? null,
    })
    deps.audit?.({
      actor: res.locals.user.username,
      action: 'user.add',
      target: body.username,
      detail: { role: body.role },
    })
    res.status(201).json({
      user: {
        username: body.username,
        role: body.role,
        kinds: body.kinds ?? null,
        sites: body.sites ?? null,
      },
      ...(body.password ? {} : { password }),
    })
  })

  router.delete('/users/:username', deps.auth.requireAdmin, async (req, res) => {
    const username = String(req.params.username)
    if (username === res.locals.user.username) throw new HttpError(409, 'you cannot remove yourself')
    if (!(await deps.users.removeUser(username))) throw new HttpError(404, `no user ${username}`)
    deps.audit?.({ actor: res.locals.user.username, action: 'user.remove', target: username })
    res.status(204).end()
  })

  return router
}
