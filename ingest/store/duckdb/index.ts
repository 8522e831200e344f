import type { MetaStore } from '../meta-store.js'
import type { ReadingStore } from '../store.js'
import { openDuckDb } from './database.js'
import { createDuckDbMetaStore } from './meta-store.js'
import { createDuckDbReadingStore } from './reading-store.js'

export { DatabaseLockedError } from './database.js'

export interface EmbeddedStore {
  readings: ReadingStore
  meta: MetaStore
  close(): void
}

/** The embedded default: readings and metadata in one DuckDB file that only this process opens. */
export async function openEmbeddedStore(path: string): Promise<EmbeddedStore> {
  const db = await openDuckDb(path)
  return {
    readings: await createDuckDbReadingStore(db),
    meta: createDuckDbMetaStore(db),
    close: () => db.close(),
  }
}
