import { describe, expect, it } from 'vitest'
import { canAct, canActOnSite, canSee, roomsOfDevice, roomsOfUser, type SessionUser } from './scope.js'

const user = (over: Partial<SessionUser>): SessionUser => ({
  username: 'u',
  role: 'viewer',
  kinds: null,
  sites: null,
  ...over,
})
const paddyA = { kind: 'paddy', site: '棚田 A' }
const paddyB = { kind: 'paddy', site: '棚田 B' }
const reservoir = { kind: 'reservoir', site: '大池' }

describe('scope', () => {
  it('lets an operator act on a whole site only when every device there is in its scope', () => {
    // found by the chaos suite: a paddy operator could pause the alerts of a site's rail section
    const devices = [paddyA, { kind: 'rail', site: '棚田 A' }, reservoir]
    const paddies = user({ role: 'operator', kinds: ['paddy'] })
    expect(canActOnSite(paddies, '棚田 A', devices)).toBe(false)
    expect(canActOnSite(paddies, '棚田 A', [paddyA, paddyB])).toBe(true)
    expect(canActOnSite(user({ role: 'operator', sites: ['棚田 B'] }), '棚田 A', [paddyA])).toBe(false)
    expect(canActOnSite(user({ role: 'operator', sites: ['棚田 A'] }), '棚田 A', devices)).toBe(true)
    expect(canActOnSite(user({ role: 'viewer' }), '棚田 A', [paddyA])).toBe(false)
    expect(canActOnSite(user({ role: 'admin', kinds: ['rail'] }), '大池', devices)).toBe(true)
  })

  it('lets a farmer see only their own paddies and a rail crew only rail', () => {
    const farmer = user({ role: 'operator', kinds: ['paddy'], sites: ['棚田 A'] })
    expect(canSee(farmer, paddyA)).toBe(true)
    expect(canSee(farmer, paddyB)).toBe(false)
    expect(canSee(farmer, reservoir)).toBe(false)
    const crew = user({ kinds: ['rail'] })
    expect(canSee(crew, { kind: 'rail', site: 'Line 1' })).toBe(true)
    expect(canSee(crew, paddyA)).toBe(false)
    expect(canSee(user({ role: 'admin', kinds: ['rail'] }), paddyA)).toBe(true)
  })

  it('lets operators act in scope and viewers never', () => {
    expect(canAct(user({ role: 'operator', kinds: ['paddy'] }), paddyA)).toBe(true)
    expect(canAct(user({ role: 'operator', kinds: ['paddy'] }), reservoir)).toBe(false)
    expect(canAct(user({ role: 'viewer' }), paddyA)).toBe(false)
  })

  it('puts a device in a room of every user who may see it, and of nobody else', () => {
    const users = [
      user({ role: 'admin' }),
      user({ kinds: ['paddy'] }),
      user({ sites: ['棚田 A'] }),
      user({ kinds: ['paddy'], sites: ['棚田 A'] }),
      user({ kinds: ['reservoir'] }),
      user({ kinds: ['paddy'], sites: ['棚田 B'] }),
    ]
    for (const device of [paddyA, paddyB, reservoir]) {
      for (const u of users) {
        const shared = roomsOfUser(u).some((room) => roomsOfDevice(device).includes(room))
        expect(shared, `${JSON.stringify(u)} ${JSON.stringify(device)}`).toBe(canSee(u, device))
      }
    }
  })
})
