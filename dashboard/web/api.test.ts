import { describe, expect, it } from 'vitest'
import { ApiError, createApi, isDemo } from './api.js'
import { loginErrorMessage } from './pages/login.js'

interface Call {
  url: string
  init: RequestInit
}

function fakeFetch(responses: Array<{ status: number; body?: unknown }>) {
  const calls: Call[] = []
  const fetch = async (url: string | URL | Request, init: RequestInit = {}) => {
    calls.push({ url: String(url), init })
    const next = responses.shift() ?? { status: 500, body: { error: 'no fake response' } }
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status })
  }
  return { calls, fetch: fetch as typeof globalThis.fetch }
}

const header = (call: Call | undefined, name: string) =>
  ((call?.init.headers ?? {}) as Record<string, string>)[name]

describe('api client', () => {
  it('logs in, then sends the token as a bearer header', async () => {
    const { calls, fetch } = fakeFetch([
      { status: 200, body: { token: 'tok', user: { username: 'a', role: 'admin' }, expiresAt: 1 } },
      { status: 200, body: { devices: [] } },
    ])
    const api = createApi({ fetch })
    await api.login('a', 'pw')
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ username: 'a', password: 'pw' })
    expect(api.token()).toBe('tok')
    expect(await api.devices()).toEqual([])
    expect(header(calls[1], 'authorization')).toBe('Bearer tok')
    expect(calls[1]?.init.credentials).toBe('same-origin')
  })

  it('raises ApiError with the server message and forgets the token on 401', async () => {
    const { fetch } = fakeFetch([
      { status: 200, body: { token: 'tok', user: { username: 'a', role: 'admin' }, expiresAt: 1 } },
      { status: 401, body: { error: 'session expired' } },
    ])
    const api = createApi({ fetch })
    await api.login('a', 'pw')
    const error = await api.me().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 401, message: 'session expired' })
    expect(api.token()).toBeUndefined()
  })

  it('builds the readings query with epoch ms and an escaped id', async () => {
    const { calls, fetch } = fakeFetch([{ status: 200, body: { points: [] } }])
    await createApi({ fetch }).readings('a/b', 'water_depth_cm', 1000.4, 2000.2, 60_000)
    expect(calls[0]?.url).toBe(
      '/api/v1/devices/a%2Fb/readings?metric=water_depth_cm&from=1000&to=2001&step=60000',
    )
  })

  it('accepts a 204 without a body', async () => {
    const { fetch } = fakeFetch([{ status: 204 }])
    await expect(createApi({ fetch }).logout()).resolves.toBeUndefined()
  })

  it('reads demo mode from either endpoint shape', () => {
    expect(isDemo({ demo: true })).toBe(true)
    expect(isDemo({ mode: 'demo' })).toBe(true)
    expect(isDemo({ demo: false })).toBe(false)
    expect(isDemo(undefined)).toBe(false)
  })
})

describe('login errors', () => {
  it('tells a wrong password from throttling and from a network failure', () => {
    expect(loginErrorMessage(new ApiError(401, 'bad')).key).toBe('login.invalid')
    expect(loginErrorMessage(new ApiError(429, 'slow down')).key).toBe('login.throttled')
    expect(loginErrorMessage(new TypeError('Failed to fetch'))).toEqual({
      key: 'login.failed',
      detail: 'Failed to fetch',
    })
  })
})
