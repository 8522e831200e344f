import type { Logger } from 'pino'
import type { IngestPort, Refusal } from '../broker/ingest-port.js'
import { type Reading, validateTelemetry } from '../firmware-contracts/index.js'
import type { BatchWriter } from './batch-writer.js'
import type { DeadLetterSink } from './dead-letter.js'
import type { Dedupe } from './dedupe.js'
import type { DeviceDirectory } from './device-directory.js'
import type { ImageStore } from './images.js'
import type { IngestMetrics } from './metrics.js'
import type { StoredReading } from './store/store.js'

/** Called once readings are durable, in arrival order per device (alerts, live dashboard, caches). */
export type ReadingsListener = (
  device: { id: string; kind: string; site: string | null },
  readings: Reading[],
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
}

/** Validate → dead-letter or dedupe → batch write → notify listeners. Implements the broker's port. */
export function createIngestPipeline(deps: PipelineDeps): IngestPort {
  const { directory, writer, dedupe, deadLetters, metrics, log, listeners, images } = deps

  const refused = (refusal: Refusal) => {
    metrics.messages.inc({ result: 'rejected', reason: refusal.reason })
    log.debug(
      { deviceId: refusal.deviceId, reason: refusal.reason, detail: refusal.detail },
      'message rejected',
    )
    return deadLetters.record(refusal)
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

    async telemetry(deviceId, topic, payload) {
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
      const verdict = validateTelemetry(device.kind, payload)
      if (!verdict.ok)
        return refused({ deviceId, topic, reason: verdict.reason, detail: verdict.detail, payload })
      if (verdict.rejectedMetrics.length > 0) {
        metrics.metricsRejected.inc({ reason: 'out_of_range' }, verdict.rejectedMetrics.length)
        const detail = verdict.rejectedMetrics.map((r) => `seq ${r.seq} ${r.metric}: ${r.detail}`).join('; ')
        // The rest of the reading is kept; the refused values stay visible in the dead-letter table.
        void deadLetters.record({ deviceId, topic, reason: 'out_of_range', detail, payload })
      }

      const fresh = await dedupe.fresh(deviceId, verdict.readings)
      const duplicates = verdict.readings.length - fresh.length
      if (duplicates > 0) metrics.readings.inc({ result: 'duplicate' }, duplicates)
      metrics.messages.inc({ result: 'accepted', reason: '' })
      if (fresh.length === 0) return

      const rows: StoredReading[] = []
      for (const reading of fresh) {
        for (const [metric, value] of Object.entries(reading.m)) {
          rows.push({ deviceId, metric, ts: reading.ts, value, seq: reading.seq })
        }
      }
      await writer.enqueue(rows)
      metrics.readings.inc({ result: 'stored' }, fresh.length)
      const ordered = fresh.length > 1 ? [...fresh].sort((a, b) => a.ts - b.ts) : fresh
      for (const listener of listeners) {
        try {
          listener(device, ordered)
        } catch (err) {
          // one consumer failing (alerts, live view) never stops ingest or the others
          log.error({ err, deviceId }, 'readings listener failed')
        }
      }
    },
  }
}
