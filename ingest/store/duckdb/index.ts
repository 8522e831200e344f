import type { MetaStore } from '../meta-store.js'
import type { ReadingStore } from '../store.js'
import { openDuckDb } from './database.js'
import { createDuckDbMetaStore } from './meta-store.js'
import { createDuckDbReadingStore } from './reading-store.js'
import { createRollups, type RetentionPolicy, type Rollups } from './rollups.js'

export { DatabaseLockedError } from './database.js'

export interface EmbeddedStore {
  readings: ReadingStore
  meta: MetaStore
  rollups: Rollups
  close(): void
}

/** Default retention: raw readings 400 days, 10-minute rollups 10 years. */
export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 400 * 86_400_000, rollupMs: 3650 * 86_400_000 }

/** The embedded default: readings and metadata in one DuckDB file that only this process opens. */
export async function openEmbeddedStore(path: string, retention = DEFAULT_RETENTION): Promise<EmbeddedStore> {
  const db = await openDuckDb(path)
  const rollups = await createRollups(db, retention)
  return {
    readings: await createDuckDbReadingStore(db, rollups),
    meta: createDuckDbMetaStore(db),
    rollups,
    close: () => db.close(),
  }
}
