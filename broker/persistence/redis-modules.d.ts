// aedes-persistence-redis ships no types; this is the part the Redis backplane uses.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis'

  interface AedesPersistenceRedisOptions {
    conn?: Redis
    /** Queued messages delivered per reconnecting client (default 1000). */
    maxSessionDelivery?: number
    packetTTL?: (packet: unknown) => number
  }
  /** A callback-and-promise aedes persistence; aedes 1.x uses the promise side. */
  function persistence(options?: AedesPersistenceRedisOptions): object & { destroy(): Promise<void> }
  export default persistence
}
