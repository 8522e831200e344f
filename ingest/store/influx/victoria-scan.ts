import type { ScanQuery, StoredReading } from '../store.js'
import { DEVICE_TAG, SEQ_FIELD } from './line-protocol.js'
import type { VictoriaHttp } from './victoria-http.js'
import { promString, samples, seconds } from './victoria-query.js'

const HOUR = 3_600_000
const MAX_WINDOW_MS = 366 * 24 * HOUR
/** Rows per chunk yielded to the exporter. */
const CHUNK_ROWS = 10_000

/** Regex-escapes a device id for a `device=~"…"` matcher (ids are `[A-Za-z0-9_-]`, but be safe). */
const escapeRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** One selector for the metric series and the `_seq` series of the listed devices. */
export function scanSelector(measurement: string, query: ScanQuery): string {
  const names = query.metric === undefined ? '.+' : `(?:${query.metric}|${SEQ_FIELD})`
  const devices = query.deviceIds.map(escapeRegex).join('|')
  return `{__name__=~${promString(`${measurement}_${names}`)},${DEVICE_TAG}=~${promString(devices)}}`
}

/**
 * Streams stored rows in (ts, device, metric) order for exports. /api/v1/export answers series by
 * series, not in time order, so the range is read in time windows, each sorted in memory. A count
 * query sizes each window before it is exported (halved while it holds more than
 * `maxWindowSamples`, doubled after a sparse one), so memory stays bounded by that number
 * however dense the data is — at the price of one extra instant query per window.
 */
export async function* scanVictoria(
  http: VictoriaHttp,
  measurement: string,
  query: ScanQuery,
  maxWindowSamples = 100_000,
): AsyncGenerator<StoredReading[]> {
  if (query.deviceIds.length === 0) return
  const selector = scanSelector(measurement, query)
  const seqName = `${measurement}_${SEQ_FIELD}`
  const prefix = `${measurement}_`
  let start = Math.floor(query.from)
  const end = Math.ceil(query.to)
  let width = HOUR
  while (start <= end) {
    let stop = Math.min(end, start + width - 1)
    // shrink the window until it holds few enough samples
    for (;;) {
      const counted = await http.query('/api/v1/query', {
        query: `sum(count_over_time(${selector}[${stop - start + 1}ms]))`,
        time: seconds(stop),
      })
      const samplesInWindow = Number(counted[0]?.value?.[1] ?? 0)
      if (samplesInWindow <= maxWindowSamples || stop === start) {
        if (samplesInWindow < maxWindowSamples / 4) width = Math.min(width * 2, MAX_WINDOW_MS)
        if (samplesInWindow === 0) break
        yield* exportWindow(start, stop)
        break
      }
      width = Math.max(1, Math.floor((stop - start + 1) / 2))
      stop = start + width - 1
    }
    start = stop + 1
  }

  async function* exportWindow(from: number, to: number): AsyncGenerator<StoredReading[]> {
    const rows: StoredReading[] = []
    const seqs = new Map<string, number>()
    await http.exportLines([selector], from, to, (line) => {
      const deviceId = line.metric[DEVICE_TAG]
      const name = line.metric.__name__
      if (!deviceId || !name?.startsWith(prefix)) return
      if (name === seqName) {
        for (const s of samples(line)) seqs.set(`${deviceId}\u0000${s.ts}`, s.value)
        return
      }
      const metric = name.slice(prefix.length)
      for (const s of samples(line)) rows.push({ deviceId, metric, ts: s.ts, value: s.value, seq: 0 })
    })
    // points written by mimamori always carry _seq; 0 stands in for points written by others
    for (const row of rows) row.seq = seqs.get(`${row.deviceId}\u0000${row.ts}`) ?? 0
    rows.sort(
      (a, b) =>
        a.ts - b.ts ||
        (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0) ||
        (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0),
    )
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) yield rows.slice(i, i + CHUNK_ROWS)
  }
}
