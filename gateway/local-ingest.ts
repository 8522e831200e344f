/**
 * The broker's `IngestPort` on the gateway: telemetry resolves once it is fsynced in the outbox
 * (so the local PUBACK means "durable here"), and rejects — no PUBACK, aedes closes that
 * device's connection, the device keeps the reading — when the disk budget is full.
 */
import type { Logger } from 'pino'
import type { IngestPort } from '../broker/ingest-port.js'
import { validateTelemetry } from '../firmware-contracts/index.js'
import type { SyncedDirectory } from './directory.js'
import type { GatewayMetrics } from './metrics.js'
import { type Outbox, OutboxFullError } from './outbox.js'
import type { OutboxRecord } from './record.js'

interface RawReading {
  ts: number | string
  seq: number
  m: Record<string, unknown>
}

/**
 * The outbox records for a payload. A valid payload becomes one record per reading, keeping the
 * device's metric values as sent (the centre rejects out-of-range values per metric and
 * dead-letters them, as for a directly connected device); anything else is kept whole, to be
 * forwarded unchanged so it reaches the centre's dead-letter table with its reason.
 */
export function toRecords(
  deviceId: string,
  kind: Parameters<typeof validateTelemetry>[0] | undefined,
  payload: Uint8Array,
): { records: OutboxRecord[]; invalid?: string } {
  const raw = (reason: string) => ({
    records: [{ type: 'raw' as const, deviceId, payload: Buffer.from(payload) }],
    invalid: reason,
  })
  if (!kind) return raw('unknown_device')
  const verdict = validateTelemetry(kind, payload)
  // out_of_range: every metric was impossible; the centre dead-letters the payload with details
  if (!verdict.ok) return raw(verdict.reason)
  const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as RawReading | { batch: RawReading[] }
  const readings = 'batch' in parsed ? parsed.batch : [parsed]
  return {
    records: readings.map((r) => ({
      type: 'reading' as const,
      deviceId,
      ts: typeof r.ts === 'number' ? r.ts : Date.parse(r.ts),
      seq: r.seq,
      m: r.m,
      ...(verdict.batch ? { batch: true } : {}),
    })),
  }
}

export interface LocalIngestDeps {
  directory: SyncedDirectory
  outbox: Outbox
  /** Images are passed through while the uplink is up (resolving on the centre's PUBACK). */
  forwardImage(topic: string, jpeg: Uint8Array): Promise<void>
  metrics: GatewayMetrics
  log: Logger
}

export function createLocalIngest(deps: LocalIngestDeps): IngestPort {
  const { directory, outbox, metrics } = deps
  const log = deps.log.child({ component: 'local-ingest' })
  return {
    async telemetry(deviceId, _topic, payload) {
      const { records, invalid } = toRecords(deviceId, directory.kindOf(deviceId), payload)
      if (invalid) {
        metrics.invalid.inc({ reason: invalid })
        log.debug(
          { deviceId, reason: invalid },
          'invalid telemetry; forwarding it unchanged for the dead-letter table',
        )
      }
      try {
        await outbox.append(records)
        metrics.accepted.inc(records.length)
      } catch (err) {
        const reason = err instanceof OutboxFullError ? 'disk_budget' : 'io_error'
        metrics.refused.inc({ reason }, records.length)
        log.debug({ deviceId, reason }, 'reading not acknowledged')
        throw err
      }
    },

    async image(deviceId, topic, _captureTsMs, jpeg) {
      try {
        await deps.forwardImage(topic, jpeg)
      } catch (err) {
        metrics.localRefusals.inc({ reason: 'image_uplink_down' })
        log.debug({ deviceId, err: (err as Error).message }, 'image not forwarded; not acknowledging')
        throw err
      }
    },

    refused(refusal) {
      metrics.localRefusals.inc({ reason: refusal.reason })
      log.warn(
        { deviceId: refusal.deviceId, reason: refusal.reason, detail: refusal.detail },
        'publish refused',
      )
    },
  }
}
