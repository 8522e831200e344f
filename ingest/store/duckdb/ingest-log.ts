/**
 * The ingest log: append-only segment files of readings in front of the DuckDB `readings` table.
 * A batch is durable (and may be acknowledged) once it is written and fdatasync'd here, which
 * costs a few milliseconds; DuckDB then loads whole sealed segments in the background with its own
 * CSV reader, off the event loop (see logged-reading-store.ts). Measured before this existed: a
 * DuckDB commit in the busy process took 0.1–0.6 s, which capped QoS1 throughput.
 *
 * Format: one CSV line per stored row, `device_id,metric,ts_us,value,seq,quality\n`. Device ids
 * and metric names are validated at the edge (DEVICE_ID_PATTERN, snake_case), so they never need
 * quoting; quality is an internal flag or empty. A crash can leave a torn last line, which was
 * never acknowledged (the fdatasync did not return): recovery cuts it off.
 */
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
} from 'node:fs'
import { join } from 'node:path'
import type { StoredReading } from '../store.js'
import { RowEncoder } from './row-encoder.js'
import { createSyncWriter } from './sync-writer.js'

const SUFFIX = '.csv'

/** A segment that takes no more appends: the loader may read it into DuckDB. */
export interface SealedSegment {
  id: number
  path: string
  bytes: number
  rows: number
  /** Earliest reading ts in it (epoch ms), for the rollups' dirty ranges. */
  minTs: number
  /** (device, seq, ts) of its readings, so dedupe can ask about rows not loaded yet. */
  keys: KeyIndex
}

/**
 * The readings' keys of one segment in three flat typed arrays, devices by number: a segment
 * lives until it is loaded (~0.5 s at least), so an array per device per segment (10,000 of them
 * every 250 ms at 10k devices) outlived the young generation and was ~16 % of what V8 promoted.
 * A lookup scans the segment, which only dedupe's slow path (gateway backfill) does.
 */
export class KeyIndex {
  private devices = new Uint32Array(256)
  private seqs = new Float64Array(256)
  private tss = new Float64Array(256)
  private length = 0
  private lastDeviceId: string | undefined

  constructor(private readonly numbers: Map<string, number>) {}

  /** Adds a reading's key; the rows of one reading (one per metric) come together and count once. */
  add(deviceId: string, seq: number, ts: number): void {
    const n = this.length
    // the other rows of the reading just added: no map lookup for them
    if (n > 0 && deviceId === this.lastDeviceId && this.seqs[n - 1] === seq && this.tss[n - 1] === ts) return
    this.lastDeviceId = deviceId
    let device = this.numbers.get(deviceId)
    if (device === undefined) {
      device = this.numbers.size
      this.numbers.set(deviceId, device)
    }
    if (n === this.devices.length) {
      const devices = new Uint32Array(2 * n)
      const seqs = new Float64Array(2 * n)
      const tss = new Float64Array(2 * n)
      devices.set(this.devices)
      seqs.set(this.seqs)
      tss.set(this.tss)
      this.devices = devices
      this.seqs = seqs
      this.tss = tss
    }
    this.devices[n] = device
    this.seqs[n] = seq
    this.tss[n] = ts
    this.length = n + 1
  }

  /** Appends the keys of this device with ts in [from, to] to `out`. */
  collect(deviceId: string, from: number, to: number, out: Array<{ seq: number; ts: number }>): void {
    const device = this.numbers.get(deviceId)
    if (device === undefined) return
    for (let i = 0; i < this.length; i++) {
      if (this.devices[i] !== device) continue
      const ts = this.tss[i] as number
      if (ts >= from && ts <= to) out.push({ seq: this.seqs[i] as number, ts })
    }
  }
}

/** The rows as CSV lines (the format above), as a string: for tests and tools. */
export function encodeRows(rows: readonly StoredReading[]): string {
  return new RowEncoder(1024).encode(rows).toString()
}

export interface IngestLog {
  /** Appends and fdatasyncs; resolves when the rows would survive a crash. One call at a time. */
  append(rows: readonly StoredReading[]): Promise<void>
  /** Closes the current segment for appends if it has rows; returns it (or undefined). */
  seal(): SealedSegment | undefined
  /** Keys of the open segment's rows of this device with ts in [from, to]. */
  keys(deviceId: string, from: number, to: number): Array<{ seq: number; ts: number }>
  /** Rows and bytes appended to the current, unsealed segment. */
  open(): { rows: number; bytes: number }
  /** Removes a segment file once DuckDB committed its rows. */
  remove(segment: SealedSegment): void
  /**
   * Waits for the append in flight, then stops the writer thread and closes the file. Closing the
   * fd under the thread's write would let it write into whatever file next gets that number.
   */
  close(): Promise<void>
}

/**
 * Opens the log directory. Segments with id ≤ `loadedThrough` are already in DuckDB (the id is
 * committed in the same transaction as their rows) and are deleted; later ones are returned for
 * loading, torn tails cut off. New appends go to a fresh segment after all of them.
 */
export function openIngestLog(
  dir: string,
  loadedThrough: number,
): { log: IngestLog; pending: SealedSegment[] } {
  mkdirSync(dir, { recursive: true })
  const pending: SealedSegment[] = []
  /** Device ids by number, for every segment's key index (one entry per device seen). */
  const deviceNumbers = new Map<string, number>()
  let nextId = loadedThrough + 1
  const ids = readdirSync(dir)
    .filter((name) => name.endsWith(SUFFIX))
    .map((name) => Number.parseInt(name, 10))
    .filter((id) => Number.isSafeInteger(id))
    .sort((a, b) => a - b)
  for (const id of ids) {
    const path = join(dir, segmentName(id))
    if (id <= loadedThrough) {
      unlinkSync(path)
      continue
    }
    const bytes = cutTornTail(path)
    // recovered segments are loaded before anyone asks for keys, so their key index stays empty
    if (bytes > 0)
      pending.push({
        id,
        path,
        bytes,
        rows: Number.NaN,
        minTs: Number.NEGATIVE_INFINITY,
        keys: new KeyIndex(deviceNumbers),
      })
    else unlinkSync(path)
    nextId = Math.max(nextId, id + 1)
  }

  const writer = createSyncWriter()
  const encoder = new RowEncoder()
  let writing: Promise<void> | undefined
  let current: (SealedSegment & { fd: number }) | undefined
  const start = () => {
    const id = nextId++
    const path = join(dir, segmentName(id))
    current = {
      id,
      path,
      fd: openSync(path, 'a'),
      bytes: 0,
      rows: 0,
      minTs: Number.POSITIVE_INFINITY,
      keys: new KeyIndex(deviceNumbers),
    }
    return current
  }

  return {
    pending,
    log: {
      async append(rows) {
        if (rows.length === 0) return
        const segment = current ?? start()
        const lines = encoder.encode(rows)
        const length = lines.length
        // on failure (e.g. ENOSPC half-way) the writer cuts the partial batch off and rejects: the
        // caller was not acknowledged and retries. The lines are written before append returns,
        // so the encoder's buffer is free again while the sync is awaited.
        writing = writer.append(segment.fd, lines, segment.bytes)
        await writing
        segment.bytes += length
        segment.rows += rows.length
        for (const row of rows) {
          if (row.ts < segment.minTs) segment.minTs = row.ts
          segment.keys.add(row.deviceId, row.seq, row.ts)
        }
      },
      keys(deviceId, from, to) {
        const out: Array<{ seq: number; ts: number }> = []
        current?.keys.collect(deviceId, from, to, out)
        return out
      },
      seal() {
        const segment = current
        if (!segment || segment.rows === 0) return undefined
        closeSync(segment.fd)
        current = undefined
        const { id, path, bytes, rows, minTs, keys } = segment
        return { id, path, bytes, rows, minTs, keys }
      },
      open: () => ({ rows: current?.rows ?? 0, bytes: current?.bytes ?? 0 }),
      remove(segment) {
        try {
          unlinkSync(segment.path)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        }
      },
      async close() {
        await writing?.catch(() => {})
        writer.close()
        if (!current) return
        closeSync(current.fd)
        // an empty segment file is noise for the next start
        if (current.bytes === 0) unlinkSync(current.path)
        current = undefined
      },
    },
  }
}

const segmentName = (id: number) => `${String(id).padStart(12, '0')}${SUFFIX}`

/** Truncates the file after its last newline (a torn, never-acknowledged append); returns its size. */
function cutTornTail(path: string): number {
  const size = statSync(path).size
  if (size === 0) return 0
  const fd = openSync(path, 'r+')
  try {
    const window = Buffer.alloc(Math.min(size, 64 * 1024))
    let end = size
    while (end > 0) {
      const from = Math.max(0, end - window.length)
      const n = readSync(fd, window, 0, end - from, from)
      const last = window.subarray(0, n).lastIndexOf(10)
      if (last >= 0) {
        const keep = from + last + 1
        if (keep < size) ftruncateSync(fd, keep)
        return keep
      }
      end = from
    }
    ftruncateSync(fd, 0)
    return 0
  } finally {
    closeSync(fd)
  }
}
