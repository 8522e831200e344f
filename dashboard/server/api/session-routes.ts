import { Router as createRouter, type Router } from 'express'
import { z } from 'zod'
import { csrfTokenOf, SESSION_COOKIE, type SessionUser, tokenFromHeaders } from '../auth.js'
import type { DashboardDeps } from '../deps.js'
import { HttpError, parseOr400 } from '../http-error.js'

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
    // like every other change: a cookie alone (a cross-site form) must not end the session
    const byCookie = !/^Bearer\s/i.test(req.headers.authorization ?? '')
    if (token && byCookie && req.headers['x-csrf-token'] !== csrfTokenOf(token)) {
      throw new HttpError(
        403,
        'missing or wrong X-CSRF-Token (take it from the login answer or GET /api/v1/me)',
      )
    }
    if (token) await deps.auth.logout(token)
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
