import type { Logger } from 'pino'
import type { MetaStore } from '../meta-store.js'
import { type DuckDbOptions, openDuckDb } from './database.js'
import { createLoggedReadingStore, type LoggedReadingStore } from './logged-reading-store.js'
import { createDuckDbMetaStore } from './meta-store.js'
import { createDuckDbReadingStore } from './reading-store.js'
import { createRollups, type RetentionPolicy, type Rollups } from './rollups.js'

export { DatabaseLockedError } from './database.js'

export interface EmbeddedStore {
  readings: LoggedReadingStore
  meta: MetaStore
  rollups: Rollups
  /** Bytes DuckDB's buffer manager holds (its caches count: they are bounded by the memory limit). */
  memoryBytes(): Promise<number>
  /**
   * Interrupts what still runs and resolves once closed; readings still in the ingest log are
   * loaded by the next open (call `readings.flush()` first for a tidy file).
   */
  close(): Promise<void>
}

/** Default retention: raw readings 400 days, 10-minute rollups 10 years. */
export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 400 * 86_400_000, rollupMs: 3650 * 86_400_000 }

/** The embedded default: readings and metadata in one DuckDB file that only this process opens. */
export async function openEmbeddedStore(
  path: string,
  retention = DEFAULT_RETENTION,
  log?: Logger,
  options: DuckDbOptions = {},
): Promise<EmbeddedStore> {
  const db = await openDuckDb(path, options)
  const rollups = await createRollups(db, retention)
  const table = await createDuckDbReadingStore(db, rollups)
  // the log sits beside the database file: `mimamori.duckdb` → `mimamori.duckdb.ingest-log/`
  const readings = await createLoggedReadingStore(db, table, rollups, {
    dir: `${path}.ingest-log`,
    ...(log ? { log } : {}),
  })
  return {
    readings,
    meta: createDuckDbMetaStore(db),
    // rollups and retention read the table: load the log into it first
    rollups: {
      watermark: () => rollups.watermark(),
      noteWrite: (minTs) => rollups.noteWrite(minTs),
      run: async (now) => {
        await readings.flush()
        return rollups.run(now)
      },
    },
    memoryBytes: async () =>
      (
        await db.all<{ b: number }>(
          'SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS b FROM duckdb_memory()',
        )
      )[0]?.b ?? 0,
    close: async () => {
      await readings.closeNow()
      await db.close()
    },
  }
}
