/**
 * Scale-out over Redis (REDIS_URL): aedes' message bus (`mqemitter-redis`) and session store
 * (`aedes-persistence-redis` ^11; 12.x does not resolve with aedes 1.2) shared by every broker
 * process, so a subscriber on broker B gets what a device published on broker A, retained
 * messages are the same everywhere and a persistent session follows its client to another broker.
 */
import persistenceRedis from 'aedes-persistence-redis'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import type { Logger } from 'pino'

export interface RedisBackplane {
  /** For `startBroker`'s `deps.persistence`. */
  persistence: object
  /** For `startBroker`'s `deps.mq`. */
  mq: object
  /** Resolves once every connection answered PING (fails fast on a wrong REDIS_URL). */
  ready(timeoutMs?: number): Promise<void>
  /** After the broker closed (aedes closes the mq itself): ends the persistence connection. */
  close(): Promise<void>
}

export class RedisError extends Error {
  readonly code = 'REDIS'
}

/** Opens the three connections (persistence, publish, subscribe) to REDIS_URL. */
export function openRedisBackplane(url: string, log: Logger): RedisBackplane {
  const redisLog = log.child({ component: 'redis' })
  const open = (role: string) => {
    // retry forever with a capped delay: a broker outlives a Redis restart
    const conn = new Redis(url, { retryStrategy: (times) => Math.min(times * 200, 5000), lazyConnect: false })
    let down = false
    conn.on('error', (err: Error) => {
      if (!down) redisLog.error({ err: err.message, role }, 'redis connection failed')
      down = true
    })
    conn.on('ready', () => {
      if (down) redisLog.info({ role }, 'redis connection back')
      down = false
    })
    return conn
  }
  const db = open('persistence')
  const pubConn = open('publish')
  const subConn = open('subscribe')
  const mq = mqemitterRedis({ pubConn, subConn })
  // mqemitter-redis re-emits connection errors here; an unhandled 'error' would end the process
  ;(mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', () => {})
  const persistence = persistenceRedis({ conn: db, maxSessionDelivery: 1000 })
  return {
    persistence,
    mq,
    async ready(timeoutMs = 10_000) {
      const ping = (conn: Redis) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new RedisError(`no answer from REDIS_URL within ${timeoutMs} ms`)),
            timeoutMs,
          )
          conn.ping().then(
            () => {
              clearTimeout(timer)
              resolve()
            },
            (err: unknown) => {
              clearTimeout(timer)
              reject(new RedisError(`REDIS_URL: ${(err as Error).message}`))
            },
          )
        })
      await Promise.all([db, pubConn, subConn].map(ping))
    },
    async close() {
      // destroy unsubscribes from the (already closed) bus; never let that hold up a shutdown
      await Promise.race([
        persistence.destroy().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ])
      for (const conn of [db, pubConn, subConn]) if (conn.status !== 'end') conn.disconnect()
    },
  }
}
