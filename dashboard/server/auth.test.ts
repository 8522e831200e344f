import { describe, expect, it } from 'vitest'
import type { UserRecord, UserStore } from '../../ingest/store/meta-store.js'
import { createAuth, tokenFromHeaders } from './auth.js'
import { hashPassword } from './passwords.js'

async function memoryUsers(): Promise<UserStore> {
  const users = new Map<string, UserRecord>([
    [
      'admin',
      { username: 'admin', passwordHash: await hashPassword('s3cret-password'), role: 'admin', createdAt: 0 },
    ],
  ])
  const sessions = new Map<string, { username: string; expiresAt: number }>()
  return {
    addUser: async (u) => void users.set(u.username, u),
    getUser: async (name) => users.get(name),
    countUsers: async () => users.size,
    listUsers: async () => [...users.values()],
    removeUser: async (name) => users.delete(name),
    addSession: async (hash, username, expiresAt) => void sessions.set(hash, { username, expiresAt }),
    getSession: async (hash) => sessions.get(hash),
    deleteSession: async (hash) => void sessions.delete(hash),
  }
}

describe('auth', () => {
  it('issues a session token that works until it expires or is logged out', async () => {
    let now = 1000
    const auth = createAuth({ users: await memoryUsers(), sessionTtlMs: 60_000, now: () => now })
    const session = await auth.login('admin', 's3cret-password', '10.0.0.1')
    expect(await auth.userForToken(session.token)).toEqual({
      username: 'admin',
      role: 'admin',
      kinds: null,
      sites: null,
    })
    now += 61_000
    expect(await auth.userForToken(session.token)).toBeUndefined()
    now -= 61_000
    await auth.logout(session.token)
    expect(await auth.userForToken(session.token)).toBeUndefined()
  })

  it('throttles repeated failures per address and per username', async () => {
    const auth = createAuth({ users: await memoryUsers(), sessionTtlMs: 60_000, loginLimit: 3 })
    for (let i = 0; i < 3; i++) {
      await expect(auth.login('admin', 'wrong', '10.0.0.2')).rejects.toMatchObject({ status: 401 })
    }
    // even the right password is refused while throttled
    await expect(auth.login('admin', 's3cret-password', '10.0.0.2')).rejects.toMatchObject({ status: 429 })
    await expect(auth.login('admin', 's3cret-password', '10.0.0.3')).rejects.toMatchObject({ status: 429 })
  })

  it('reads a bearer token or the session cookie', () => {
    expect(tokenFromHeaders({ authorization: 'Bearer abc' })).toBe('abc')
    expect(tokenFromHeaders({ cookie: 'a=1; mimamori_session=xyz%3D; b=2' })).toBe('xyz=')
    expect(tokenFromHeaders({})).toBeUndefined()
  })

  it('treats a session cookie with a malformed escape as no token instead of throwing', () => {
    // found by the chaos suite: the throw in the socket.io middleware stopped the whole process
    expect(tokenFromHeaders({ cookie: 'mimamori_session=%E0%A4%A' })).toBeUndefined()
    expect(tokenFromHeaders({ cookie: 'mimamori_session=%; other=1' })).toBeUndefined()
  })
})
