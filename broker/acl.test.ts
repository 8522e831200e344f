import { describe, expect, it } from 'vitest'
import { AclFileSchema, createAcl } from './acl-file.js'
import { canPublish, canReceive, canSubscribe, type Identity } from './auth-policy.js'
import { filterCovers, filtersOverlap, isValidFilter, topicMatches } from './topic-match.js'

const gatewayOf = () => null

describe('topic filters (MQTT 3.1.1 §4.7)', () => {
  it('matches + and #, including the parent level for #, but not $ topics with a leading wildcard', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true)
    expect(topicMatches('a/+', 'a/b/c')).toBe(false)
    expect(topicMatches('a/#', 'a')).toBe(true)
    expect(topicMatches('#', '$SYS/x')).toBe(false)
    expect(topicMatches('+/x', '$SYS/x')).toBe(false)
    expect(topicMatches('$SYS/#', '$SYS/x')).toBe(true)
    expect(topicMatches('a/+', 'a/')).toBe(true)
  })

  it('knows when a pattern covers a filter and when two filters overlap', () => {
    expect(filterCovers('a/#', 'a/+/c')).toBe(true)
    expect(filterCovers('a/+/c', 'a/#')).toBe(false)
    expect(filterCovers('a/+', 'a/b')).toBe(true)
    expect(filterCovers('a/b', 'a/+')).toBe(false)
    expect(filterCovers('#', '$SYS/#')).toBe(false)
    expect(filtersOverlap('secret/#', '#')).toBe(true)
    expect(filtersOverlap('a/b', 'a/c')).toBe(false)
    expect(isValidFilter('a/#/b')).toBe(false)
    expect(isValidFilter('a/b+')).toBe(false)
    expect(isValidFilter('+/+/#')).toBe(true)
  })
})

describe('ACL file rights', () => {
  const acl = createAcl(
    AclFileSchema.parse({
      users: [
        {
          username: 'svc',
          password: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
          role: 'ingest',
          rules: [
            { topic: 'plant/#', access: 'readwrite' },
            { topic: 'plant/secret/#', access: 'deny' },
            { topic: 'home/%u/#', access: 'write' },
          ],
        },
      ],
    }),
  )
  const user = acl.user('svc')
  const svc: Identity = { role: 'user', username: 'svc', clientId: 'c1', rules: user?.effectiveRules ?? [] }
  const anon: Identity = { role: 'anonymous', clientId: 'a1', rules: acl.anonymousRules }

  it('lets deny win, expands %u, and adds the role rules', () => {
    expect(canSubscribe(svc, 'plant/#', gatewayOf)).toBe(true)
    expect(canSubscribe(svc, 'plant/secret/x', gatewayOf)).toBe(false)
    expect(canReceive(svc, 'plant/secret/x')).toBe(false)
    expect(canReceive(svc, 'plant/open')).toBe(true)
    expect(canPublish(svc, 'home/svc/x', gatewayOf)).toEqual({ allowed: true, channel: 'plain' })
    expect(canPublish(svc, 'home/other/x', gatewayOf).allowed).toBe(false)
    expect(canSubscribe(svc, 'v1/devices/+/telemetry', gatewayOf)).toBe(true)
    expect(canSubscribe(svc, 'v1/devices/#', gatewayOf)).toBe(false)
  })

  it('never lets a service user speak for a device or the broker, nor touch $SYS or internal topics', () => {
    for (const topic of [
      'v1/devices/p-1/telemetry',
      'v1/devices/p-1/status',
      'v1/gateways/g/devices',
      '$SYS/x',
      '$mimamori/void',
    ]) {
      expect(
        canPublish(
          {
            ...svc,
            rules: [
              { topic: '#', access: 'readwrite' },
              { topic: '$SYS/#', access: 'readwrite' },
            ],
          },
          topic,
          gatewayOf,
        ).allowed,
      ).toBe(false)
    }
    expect(canSubscribe(svc, '$mimamori/void', gatewayOf)).toBe(false)
  })

  it('keeps anonymous clients outside v1/ and $SYS', () => {
    expect(canSubscribe(anon, '#', gatewayOf)).toBe(true)
    expect(canReceive(anon, 'v1/devices/p-1/telemetry')).toBe(false)
    expect(canSubscribe(anon, 'v1/#', gatewayOf)).toBe(false)
    expect(canSubscribe(anon, '$SYS/#', gatewayOf)).toBe(false)
    expect(canPublish(anon, 'city/x', gatewayOf).allowed).toBe(true)
    expect(canPublish(anon, '$TopicA/B', gatewayOf).allowed).toBe(true) // but `+/+` will not match it
    expect(canReceive(anon, '$TopicA/B')).toBe(false)
    expect(canPublish(anon, 'v1/devices/p-1/cmd', gatewayOf).allowed).toBe(false)
  })

  it('rejects duplicate usernames and plain-text passwords', () => {
    const user = { username: 'a', password: 'scrypt$1$1$1$a$b', rules: [] }
    expect(AclFileSchema.safeParse({ users: [user, user] }).success).toBe(false)
    expect(AclFileSchema.safeParse({ users: [{ ...user, password: 'secret' }] }).success).toBe(false)
  })
})
