/**
 * The shared metadata of scale-out brokers in PostgreSQL (DATABASE_URL): the device and gateway
 * registry, the MQTT ACL, dead letters and image metadata. The embedded default keeps all of it
 * in the DuckDB file (../duckdb/); the rest of the MetaStore (users, alerts) stays there for now.
 */
import type { Logger } from 'pino'
import type { DeadLetterStore, DeviceRegistry, ImageMetaStore } from '../meta-store.js'
import { type AclStore, createPostgresAclStore } from './acl-store.js'
import { openPostgres, type PgDb } from './database.js'
import { createPostgresDeadLetterStore } from './dead-letters.js'
import { createPostgresImageMetaStore } from './images.js'
import { createPostgresRegistry } from './registry.js'
import { listenForRegistryChanges, type RegistryListener, type RegistryNotice } from './registry-listener.js'

export type { AclStore } from './acl-store.js'
export { DatabaseError, redact } from './database.js'
export type { RegistryNotice } from './registry-listener.js'

export interface PostgresMetaStore {
  db: PgDb
  registry: DeviceRegistry
  acl: AclStore
  deadLetters: DeadLetterStore
  images: ImageMetaStore
  /** Registry and ACL changes made anywhere (this process, another, plain SQL). */
  listen(
    handlers: { onChange(notice: RegistryNotice): Promise<void>; onResync(): Promise<void> },
    log: Logger,
  ): Promise<RegistryListener>
  close(): Promise<void>
}

export async function openPostgresMetaStore(
  url: string,
  options: { poolSize?: number } = {},
): Promise<PostgresMetaStore> {
  const db = await openPostgres(url, options.poolSize === undefined ? {} : { max: options.poolSize })
  return {
    db,
    registry: createPostgresRegistry(db),
    acl: createPostgresAclStore(db),
    deadLetters: createPostgresDeadLetterStore(db),
    images: createPostgresImageMetaStore(db),
    listen: (handlers, log) => listenForRegistryChanges(url, handlers, log),
    close: () => db.close(),
  }
}
