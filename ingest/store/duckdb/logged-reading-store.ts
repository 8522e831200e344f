/**
 * The DuckDB reading store behind the ingest log: `write` is durable once the rows are in the log
 * (ingest-log.ts), and a loader moves sealed segments into `readings` with DuckDB's own CSV reader
 * (`INSERT … FROM read_csv`), so neither parsing nor the commit runs on the event loop. The id of
 * the last loaded segment is committed in the same transaction as its rows, so a crash at any
 * point loads each segment exactly once. Reads first wait until everything written before them is
 * loaded, so callers keep read-your-writes (a PUBACKed reading is visible to the next query).
 */
import type { Logger } from 'pino'
import { createSerial } from '../serial.js'
import type { ReadingStore, StoredReading } from '../store.js'
import type { Db } from './database.js'
import { type IngestLog, openIngestLog, type SealedSegment } from './ingest-log.js'
import type { Rollups } from './rollups.js'

export interface LoggedStoreOptions {
  dir: string
  /** A segment is sealed for loading at this size (default 32 MB, ~600k rows)… */
  segmentBytes?: number
  /** …or when it is this old (default 250 ms). Queries load the log first, whatever its age. */
  sealAfterMs?: number
  /**
   * …unless it is busy: a segment that holds an eighth of DIRECT_LOAD_ROWS at `sealAfterMs`
   * stays open until this age (default 2 s), so that it is loaded as whole row groups.
   */
  busySealAfterMs?: number
  /** Past this many unloaded bytes, writes wait for the loader (the PUBACKs with them). */
  maxUnloadedBytes?: number
  /** One load takes the sealed segments waiting, oldest first, up to this many bytes (at least one). */
  maxLoadBytes?: number
  log?: Logger
}

export interface LoggedReadingStore extends ReadingStore {
  /** Loads everything written so far into DuckDB. */
  flush(): Promise<void>
  /** Bytes written to the log and not yet loaded into DuckDB. */
  unloadedBytes(): number
  /** Loads committed since open, and the segments they took. */
  loadCount(): { loads: number; segments: number }
  /** Closes the log file without loading it (the next open loads it); for a crash-like stop. */
  closeNow(): Promise<void>
}

const STATE_KEY = 'ingest_log_loaded_through'
/**
 * Rows in a load that DuckDB writes straight into its data file: four row groups of 122,880. A
 * smaller load goes into DuckDB's WAL, which a checkpoint rewrites into the data file later; loads
 * of 250 ms segments at ~90k readings/s cost DuckDB ~1.4 µs more per reading than 32 MB loads, and
 * each checkpoint held its thread for seconds. Loads of one or two row groups and a bit leave small
 * row groups that the checkpoint merges, which costs about as much (docs/benchmarks.md, "Loads that
 * skip DuckDB's WAL"). A quiet stream keeps its small loads: a large one would hold DuckDB's
 * thread, on the server's core, for longer at a time.
 */
const DIRECT_LOAD_ROWS = 4 * 122_880
/** File names in one `read_csv([...])`. */
const MAX_LOAD_SEGMENTS = 256

const quoted = (path: string) => `'${path.replaceAll("'", "''")}'`

/** DuckDB's CSV reader over one or more segment files, read as one relation. */
const csvSource = (paths: readonly string[]) =>
  `read_csv([${paths.map(quoted).join(', ')}], header = false, auto_detect = false, delim = ',', quote = '"',
     columns = {'device_id': 'VARCHAR', 'metric': 'VARCHAR', 'ts_us': 'BIGINT', 'value': 'DOUBLE',
                'seq': 'UINTEGER', 'quality': 'VARCHAR'})`

export async function createLoggedReadingStore(
  db: Db,
  inner: ReadingStore,
  rollups: Rollups,
  options: LoggedStoreOptions,
): Promise<LoggedReadingStore> {
  const segmentBytes = options.segmentBytes ?? 32 * 1024 * 1024
  const sealAfterMs = options.sealAfterMs ?? 250
  const busySealAfterMs = Math.max(sealAfterMs, options.busySealAfterMs ?? 2000)
  const maxUnloadedBytes = options.maxUnloadedBytes ?? 512 * 1024 * 1024
  const maxLoadBytes = options.maxLoadBytes ?? 128 * 1024 * 1024
  const connection = await db.connect()
  await connection.run(
    'CREATE TABLE IF NOT EXISTS ingest_state (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL)',
  )
  const state = (
    await connection.runAndReadAll('SELECT value::DOUBLE AS v FROM ingest_state WHERE key = $1', [STATE_KEY])
  ).getRowObjectsJS() as Array<{ v: number }>
  const opened = openIngestLog(options.dir, state[0]?.v ?? 0)
  const ingestLog: IngestLog = opened.log

  const sealed: SealedSegment[] = []
  let unloaded = 0
  let loading: Promise<void> | undefined
  let sealTimer: NodeJS.Timeout | undefined
  let closed = false
  /** Appends and seals of the log, one at a time. */
  const serial = createSerial()
  /** Writers waiting for the loader to make room. */
  let roomWaiters: Array<() => void> = []
  const loads = { loads: 0, segments: 0 }

  /**
   * Loads segments (oldest first) in one transaction, sent as one request: under load every
   * request waits its turn on a busy event loop and thread pool, so the statements of a load are
   * not sent one by one (measured: ~150–200 ms a round trip at 58k messages/s, four per load),
   * and the segments waiting are loaded together rather than one per round.
   */
  async function load(segments: readonly SealedSegment[]) {
    const last = segments[segments.length - 1] as SealedSegment
    try {
      await connection.run(
        `BEGIN TRANSACTION;
         INSERT INTO readings (device_id, metric, ts, value, seq, quality)
           SELECT device_id, metric, make_timestamptz(ts_us), value, seq, quality
           FROM ${csvSource(segments.map((s) => s.path))};
         INSERT OR REPLACE INTO ingest_state VALUES ('${STATE_KEY}', ${Math.trunc(last.id)});
         COMMIT`,
      )
    } catch (err) {
      await connection.run('ROLLBACK').catch(() => {})
      throw err
    }
    loads.loads++
    loads.segments += segments.length
    rollups.noteWrite(Math.min(...segments.map((s) => s.minTs)))
    for (const segment of segments) ingestLog.remove(segment)
  }

  /**
   * The sealed segments the next load takes: oldest first, up to `maxLoadBytes` and
   * MAX_LOAD_SEGMENTS (hours of small segments piled up while DuckDB refused), at least one.
   */
  function nextLoad(): SealedSegment[] {
    const batch: SealedSegment[] = []
    let bytes = 0
    for (const segment of sealed) {
      if (batch.length > 0 && (bytes + segment.bytes > maxLoadBytes || batch.length === MAX_LOAD_SEGMENTS))
        break
      batch.push(segment)
      bytes += segment.bytes
    }
    return batch
  }

  /** Loads sealed segments oldest first until none are left; one loader at a time. */
  function kickLoader(): Promise<void> {
    loading ??= (async () => {
      try {
        let delay = 100
        while (sealed.length > 0 && !closed) {
          const batch = nextLoad()
          try {
            await load(batch)
          } catch (err) {
            // closed under the load (the close interrupts it): the rows stay for the next open
            if (closed) return
            // DuckDB refused (disk full, …): the rows stay in the log; retry, never drop
            options.log?.error(
              { err, segments: batch.map((s) => s.path) },
              'loading the ingest log into DuckDB failed; retrying',
            )
            await new Promise((resolve) => setTimeout(resolve, delay))
            delay = Math.min(delay * 2, 5000)
            continue
          }
          sealed.splice(0, batch.length)
          for (const segment of batch) unloaded -= segment.bytes
          const waiters = roomWaiters
          roomWaiters = []
          for (const wake of waiters) wake()
        }
      } finally {
        loading = undefined
      }
    })()
    return loading
  }

  /** Seals the open segment (after appends in flight) and queues it for loading. */
  function sealNow(): Promise<void> {
    return serial(async () => sealOpen())
  }

  /** Seals the open segment and queues it for loading; the caller is inside `serial`. */
  function sealOpen() {
    // the next segment gets a seal timer of its own, from its first write
    if (sealTimer) clearTimeout(sealTimer)
    sealTimer = undefined
    const segment = ingestLog.seal()
    if (segment) sealed.push(segment)
  }

  /** The seal timer's end: seals the open segment and loads it. */
  function sealAndLoad() {
    sealTimer = undefined
    void sealNow().then(() => kickLoader())
  }

  async function flush() {
    await sealNow()
    while (sealed.length > 0 || loading) {
      if (closed) throw new Error('the reading store is closed')
      await kickLoader()
    }
  }

  // recovered segments: their min ts comes from the file itself
  for (const segment of opened.pending) {
    const rows = (
      await connection.runAndReadAll(
        `SELECT count(*)::DOUBLE AS n, coalesce(min(ts_us), 0)::DOUBLE / 1000 AS t FROM ${csvSource([segment.path])}`,
      )
    ).getRowObjectsJS() as Array<{ n: number; t: number }>
    segment.rows = rows[0]?.n ?? 0
    segment.minTs = rows[0]?.t ?? 0
    sealed.push(segment)
    unloaded += segment.bytes
  }
  if (sealed.length > 0) {
    options.log?.info(
      { segments: sealed.length, bytes: unloaded },
      'loading the ingest log left by the last run',
    )
    await flush()
  }

  const fresh = async () => {
    if (unloaded > 0 || ingestLog.open().rows > 0) await flush()
  }

  return {
    async write(rows: readonly StoredReading[]) {
      if (closed) throw new Error('the reading store is closed')
      if (rows.length === 0) return
      while (unloaded > maxUnloadedBytes) await new Promise<void>((resolve) => roomWaiters.push(resolve))
      return serial(async () => {
        const before = ingestLog.open().bytes
        await ingestLog.append(rows)
        unloaded += ingestLog.open().bytes - before
        if (ingestLog.open().bytes >= segmentBytes) {
          sealOpen()
          void kickLoader()
        } else if (!sealTimer) {
          // the rows are durable in the log already; a pending seal must not keep the process up
          sealTimer = setTimeout(() => {
            const busy = ingestLog.open().rows * 8 >= DIRECT_LOAD_ROWS
            // a busy segment is sealed at busySealAfterMs, or sooner at segmentBytes (above)
            if (busy && busySealAfterMs > sealAfterMs)
              sealTimer = setTimeout(sealAndLoad, busySealAfterMs - sealAfterMs).unref()
            else sealAndLoad()
          }, sealAfterMs).unref()
        }
      })
    },
    flush,
    unloadedBytes: () => unloaded,
    loadCount: () => ({ ...loads }),
    async closeNow() {
      closed = true
      if (sealTimer) clearTimeout(sealTimer)
      await serial(async () => {}) // the appends already queued
      await ingestLog.close()
    },
    async latestAll() {
      await fresh()
      return inner.latestAll()
    },
    async raw(query) {
      await fresh()
      return inner.raw(query)
    },
    async buckets(query) {
      await fresh()
      return inner.buckets(query)
    },
    async count(deviceId) {
      await fresh()
      return inner.count(deviceId)
    },
    async storedKeys(deviceId, from, to) {
      // no flush: the rows not loaded yet answer from the segments' key index (dedupe asks this
      // on the hot path, e.g. for every gateway backfill batch)
      const pending = ingestLog.keys(deviceId, from, to)
      for (const segment of sealed) segment.keys.collect(deviceId, from, to, pending)
      const loaded = await inner.storedKeys(deviceId, from, to)
      if (pending.length === 0) return loaded
      // a segment may be loaded and still listed for a moment: one key per reading
      const seen = new Set(loaded.map((k) => `${k.seq}:${k.ts}`))
      return [...loaded, ...pending.filter((k) => !seen.has(`${k.seq}:${k.ts}`))]
    },
    async recentKeys(since, perDevice) {
      await fresh()
      return inner.recentKeys(since, perDevice)
    },
    async *scan(query) {
      await fresh()
      yield* inner.scan(query)
    },
  }
}
