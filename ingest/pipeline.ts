import type { Logger } from 'pino'
import type { IngestPort, Refusal } from '../broker/ingest-port.js'
import { tally } from '../broker/tally.js'
import { type MetricRejection, type Reading, validateTelemetry } from '../firmware-contracts/index.js'
import type { BatchWriter } from './batch-writer.js'
import type { DeadLetterSink } from './dead-letter.js'
import type { Dedupe } from './dedupe.js'
import type { DeviceDirectory } from './device-directory.js'
import type { ImageStore } from './images.js'
import type { IngestMetrics } from './metrics.js'
import type { DeviceRecord } from './store/meta-store.js'
import type { StoredReading } from './store/store.js'

/** How a set of readings arrived: a `{ batch }` payload (gateway backfill), and when it was received. */
export interface ArrivalInfo {
  batch: boolean
  receivedAt: number
}

/** Called once readings are durable, sorted by ts, per message (alerts, live dashboard, caches). */
export type ReadingsListener = (
  device: { id: string; kind: string; site: string | null },
  readings: Reading[],
  arrival?: ArrivalInfo,
) => void

export interface PipelineDeps {
  directory: DeviceDirectory
  writer: BatchWriter
  dedupe: Dedupe
  deadLetters: DeadLetterSink
  metrics: IngestMetrics
  log: Logger
  listeners: ReadingsListener[]
  images: ImageStore
  /** Quality flag to store with a reading, e.g. `maintenance` inside a maintenance window. */
  qualityOf?(deviceId: string, ts: number): string | undefined
  /** Values refused as out of range (the rest of the reading was kept): they feed the sensor-fault rule. */
  onRejectedMetrics?(
    device: { id: string; kind: string; site: string | null },
    rejections: MetricRejection[],
    receivedAt: number,
  ): void
  now?: () => number
}

const DONE: Promise<void> = Promise.resolve()

/** Validate → dead-letter or dedupe → batch write → notify listeners. Implements the broker's port. */
export function createIngestPipeline(deps: PipelineDeps): IngestPort {
  const { directory, writer, dedupe, deadLetters, metrics, log, listeners, images } = deps
  const now = deps.now ?? Date.now
  const acceptedMessages = tally(metrics.messages).child({ result: 'accepted', reason: '' })
  const readingsTally = tally(metrics.readings)
  const storedReadings = readingsTally.child({ result: 'stored' })
  const duplicateReadings = readingsTally.child({ result: 'duplicate' })

  const refused = (refusal: Refusal) => {
    metrics.messages.inc({ result: 'rejected', reason: refusal.reason })
    log.debug(
      { deviceId: refusal.deviceId, reason: refusal.reason, detail: refusal.detail },
      'message rejected',
    )
    return deadLetters.record(refusal)
  }

  const notifyRejected = (
    device: { id: string; kind: string; site: string | null },
    rejections: MetricRejection[],
    receivedAt: number,
  ) => {
    try {
      deps.onRejectedMetrics?.(device, rejections, receivedAt)
    } catch (err) {
      log.error({ err, deviceId: device.id }, 'rejected-metrics listener failed')
    }
  }

  /** The fresh readings of an accepted message: rows to the writer, then the listeners. */
  const store = (
    device: DeviceRecord,
    verdict: { readings: Reading[]; batch: boolean },
    fresh: Reading[],
    receivedAt: number,
  ): Promise<void> => {
    const duplicates = verdict.readings.length - fresh.length
    if (duplicates > 0) duplicateReadings.inc(duplicates)
    acceptedMessages.inc()
    if (fresh.length === 0) return DONE
    const deviceId = device.id
    const rows: StoredReading[] = []
    for (const reading of fresh) {
      const quality = deps.qualityOf?.(deviceId, reading.ts)
      const { ts, seq, m } = reading
      for (const metric in m) {
        const row: StoredReading = { deviceId, metric, ts, value: m[metric] as number, seq }
        if (quality !== undefined) row.quality = quality
        rows.push(row)
      }
    }
    return writer.enqueue(rows).then(() => {
      storedReadings.inc(fresh.length)
      const ordered = fresh.length > 1 ? [...fresh].sort((a, b) => a.ts - b.ts) : fresh
      const arrival: ArrivalInfo = { batch: verdict.batch, receivedAt }
      for (const listener of listeners) {
        try {
          listener(device, ordered, arrival)
        } catch (err) {
          // one consumer failing (alerts, live view) never stops ingest or the others
          log.error({ err, deviceId }, 'readings listener failed')
        }
      }
    })
  }

  return {
    refused(refusal) {
      void refused(refusal)
    },

    async image(deviceId, topic, captureTsMs, jpeg) {
      if (!directory.get(deviceId)) {
        return refused({
          deviceId,
          topic,
          reason: 'unknown_device',
          detail: 'device is not registered',
          payload: jpeg,
        })
      }
      const stored = await images.save(deviceId, captureTsMs, jpeg)
      metrics.images.inc({ result: stored ? 'stored' : 'duplicate' })
    },

    // Not async: an async function keeps its whole frame and a promise per await alive until the
    // rows are durable, which was the largest allocation per message on the hot path (sampled
    // heap profile at 10k readings/s); here one closure waits for the write.
    telemetry(deviceId, topic, payload) {
      try {
        const device = directory.get(deviceId)
        if (!device) {
          return refused({
            deviceId,
            topic,
            reason: 'unknown_device',
            detail: 'device is not registered',
            payload,
          })
        }
        const receivedAt = now()
        const verdict = validateTelemetry(device.kind, payload)
        if (verdict.rejectedMetrics.length > 0) notifyRejected(device, verdict.rejectedMetrics, receivedAt)
        if (!verdict.ok)
          return refused({ deviceId, topic, reason: verdict.reason, detail: verdict.detail, payload })
        if (verdict.rejectedMetrics.length > 0) {
          metrics.metricsRejected.inc({ reason: 'out_of_range' }, verdict.rejectedMetrics.length)
          const detail = verdict.rejectedMetrics
            .map((r) => `seq ${r.seq} ${r.metric}: ${r.detail}`)
            .join('; ')
          // The rest of the reading is kept; the refused values stay visible in the dead-letter table.
          void deadLetters.record({ deviceId, topic, reason: 'out_of_range', detail, payload })
        }
        // the live path is decided in memory: no extra turn unless the store is asked
        const decided = dedupe.fresh(deviceId, verdict.readings)
        if (Array.isArray(decided)) return store(device, verdict, decided, receivedAt)
        return decided.then((fresh) => store(device, verdict, fresh, receivedAt))
      } catch (err) {
        return Promise.reject(err)
      }
    },
  }
}
