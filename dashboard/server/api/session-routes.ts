import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { csrfRefusal, csrfTokenOf, SESSION_COOKIE, type SessionUser, tokenFromHeaders } from '../auth.js'
import type { DashboardDeps } from '../deps.js'
import { parseOr400 } from '../http-error.js'

export const LoginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
})

export function sessionRoutes(deps: DashboardDeps, options: { secureCookie: boolean }): Router {
  const router = createRouter()

  router.post('/login', async (req, res) => {
    const body = parseOr400(LoginSchema, req.body, 'login body')
    const session = await deps.auth.login(body.username, body.password, req.ip ?? 'unknown')
    res.cookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: options.secureCookie,
      path: '/',
      expires: new Date(session.expiresAt),
    })
    res.json(session)
  })

  router.post('/logout', async (req, res) => {
    const token = tokenFromHeaders(req.headers)
    if (token) {
      // like every other change: a cookie alone (a cross-site form) must not end the session
      const refusal = csrfRefusal(req, token)
      if (refusal) throw refusal
      await deps.auth.logout(token)
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' })
    res.status(204).end()
  })

  router.get('/me', deps.auth.requireUser, (req, res) => {
    const user = res.locals.user as SessionUser
    const token = tokenFromHeaders(req.headers)
    res.json({
      ...user,
      demo: deps.demo,
      timeZone: deps.timeZone ?? 'Asia/Tokyo',
      ...(token ? { csrfToken: csrfTokenOf(token) } : {}),
    })
  })

  return router
}
