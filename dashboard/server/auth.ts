import { createHash, randomBytes } from 'node:crypto'
import type { RequestHandler } from 'express'
import type { UserRecord, UserStore } from '../../ingest/store/meta-store.js'
import { HttpError } from './http-error.js'
import { verifyPassword } from './passwords.js'
import type { SessionUser } from './scope.js'

export type { SessionUser } from './scope.js'

export const SESSION_COOKIE = 'mimamori_session'
/** A request that arrived on the local admin socket (DATA_DIR/mimamori.sock): trusted by file permissions. */
export const LOCAL_ADMIN = Symbol('local-admin')

export interface Auth {
  login(
    username: string,
    password: string,
    clientKey: string,
  ): Promise<{ token: string; user: SessionUser; expiresAt: number; csrfToken: string }>
  userForToken(token: string): Promise<SessionUser | undefined>
  logout(token: string): Promise<void>
  /** Sets `res.locals.user` or answers 401. */
  requireUser: RequestHandler
  requireAdmin: RequestHandler
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url')

/**
 * The CSRF token of a session: derived from the session token, so nothing more is stored. A
 * state-changing request authenticated by the cookie must echo it in `X-CSRF-Token` (a page on
 * another origin can make the browser send the cookie, but cannot read this value).
 */
export const csrfTokenOf = (sessionToken: string) =>
  createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url')

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The refusal for a state-changing request authenticated by the cookie alone (no bearer token)
 * whose `X-CSRF-Token` does not match its session; undefined when the request may go on.
 */
export function csrfRefusal(
  req: { method: string; headers: { authorization?: string | undefined; [name: string]: unknown } },
  token: string,
): HttpError | undefined {
  const byCookie = !/^Bearer\s/i.test(req.headers.authorization ?? '')
  if (!byCookie || SAFE_METHODS.has(req.method) || req.headers['x-csrf-token'] === csrfTokenOf(token)) {
    return undefined
  }
  return new HttpError(403, 'missing or wrong X-CSRF-Token (take it from the login answer or GET /api/v1/me)')
}

const toSessionUser = (user: UserRecord): SessionUser => ({
  username: user.username,
  role: user.role,
  kinds: user.kinds ?? null,
  sites: user.sites ?? null,
})

/** Cookie or bearer token from a request's headers. */
export function tokenFromHeaders(headers: {
  authorization?: string | undefined
  cookie?: string | undefined
}): string | undefined {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1]
  if (bearer) return bearer
  for (const part of headers.cookie?.split(';') ?? []) {
    const [name, ...value] = part.trim().split('=')
    if (name !== SESSION_COOKIE) continue
    // a malformed escape (`%E0%A4%A`) makes decodeURIComponent throw: in the socket.io middleware
    // that was an uncaught exception, so one request could stop the whole process. Not a token.
    try {
      return decodeURIComponent(value.join('='))
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * Failed logins per client address and per username within a window. Past the limit, logins are
 * refused with 429 until the window passes, so a password cannot be guessed online at speed.
 */
function createLoginThrottle(limit: number, windowMs: number, now: () => number) {
  const failures = new Map<string, { count: number; since: number }>()
  const active = (k: string) => {
    const entry = failures.get(k)
    if (entry && now() - entry.since > windowMs) failures.delete(k)
    return failures.get(k)
  }
  return {
    blocked: (keys: string[]) => keys.some((k) => (active(k)?.count ?? 0) >= limit),
    fail(keys: string[]) {
      for (const k of keys) {
        const entry = active(k) ?? { count: 0, since: now() }
        entry.count++
        failures.set(k, entry)
      }
      if (failures.size > 100_000) failures.clear() // bounded memory under a distributed attack
    },
    succeed: (keys: string[]) => {
      for (const k of keys) failures.delete(k)
    },
  }
}

export function createAuth(options: {
  users: UserStore
  sessionTtlMs: number
  now?: () => number
  loginLimit?: number
  loginWindowMs?: number
}): Auth {
  const now = options.now ?? Date.now
  const throttle = createLoginThrottle(options.loginLimit ?? 10, options.loginWindowMs ?? 15 * 60_000, now)
  const { users } = options

  const userForToken = async (token: string): Promise<SessionUser | undefined> => {
    const session = await users.getSession(hashToken(token))
    if (!session || session.expiresAt < now()) return undefined
    const user = await users.getUser(session.username)
    return user ? toSessionUser(user) : undefined
  }

  const requireUser: RequestHandler = (req, res, next) => {
    if ((req as unknown as Record<symbol, boolean>)[LOCAL_ADMIN]) {
      res.locals.user = {
        username: 'local-admin',
        role: 'admin',
        kinds: null,
        sites: null,
      } satisfies SessionUser
      return next()
    }
    const token = tokenFromHeaders(req.headers)
    if (!token) return next(new HttpError(401, 'login required'))
    const refusal = csrfRefusal(req, token)
    if (refusal) return next(refusal)
    userForToken(token).then((user) => {
      if (!user) return next(new HttpError(401, 'session expired or invalid'))
      res.locals.user = user
      next()
    }, next)
  }

  return {
    async login(username, password, clientKey) {
      const keys = [`ip:${clientKey}`, `user:${username}`]
      if (throttle.blocked(keys)) throw new HttpError(429, 'too many failed logins; try again later')
      const user = await users.getUser(username)
      // Verify against a dummy hash for unknown users too, so timing does not reveal who exists.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
      if (!user || !ok) {
        throttle.fail(keys)
        throw new HttpError(401, 'invalid username or password')
      }
      throttle.succeed(keys)
      const token = randomBytes(32).toString('base64url')
      const expiresAt = now() + options.sessionTtlMs
      await users.addSession(hashToken(token), user.username, expiresAt)
      return { token, user: toSessionUser(user), expiresAt, csrfToken: csrfTokenOf(token) }
    },
    userForToken,
    async logout(token) {
      await users.deleteSession(hashToken(token))
    },
    requireUser,
    requireAdmin: (req, res, next) =>
      requireUser(req, res, (err?: unknown) => {
        if (err) return next(err)
        if ((res.locals.user as SessionUser).role !== 'admin')
          return next(new HttpError(403, 'admin role required'))
        next()
      }),
  }
}

// scrypt of a random string; only used to spend the same time on unknown usernames
const DUMMY_HASH = 'scrypt$16384$8$1$2mX0n4z4x8m0lq1f7QfQbA$q0uJ0y2f2mR9V3mHq7bq6j3c1nQeK3x8o7QyJpXb2aE'
