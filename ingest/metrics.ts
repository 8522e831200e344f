import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface IngestMetrics {
  messages: Counter<'result' | 'reason'>
  readings: Counter<'result'>
  metricsRejected: Counter<'reason'>
  pendingRows: Gauge
  images: Counter<'result'>
  /** One group commit into the reading store: its rows, seconds until durable (batch writer's `onWritten`). */
  storeWritten(rows: number, seconds: number): void
}

export function createIngestMetrics(registry: Registry, pendingRows: () => number): IngestMetrics {
  const storeWriteSeconds = new Histogram({
    name: 'mimamori_ingest_store_write_seconds',
    help: 'Group commits into the reading store: seconds from the first attempt until durable (retries included); PUBACKs wait for them',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const storeWriteRows = new Histogram({
    name: 'mimamori_ingest_store_write_rows',
    help: 'Metric rows per group commit into the reading store',
    buckets: [1, 10, 100, 1000, 5000, 20000, 100000],
    registers: [registry],
  })
  return {
    messages: new Counter({
      name: 'mimamori_ingest_messages_total',
      help: 'Telemetry and refused messages by result and reason',
      labelNames: ['result', 'reason'],
      registers: [registry],
    }),
    readings: new Counter({
      name: 'mimamori_ingest_readings_total',
      help: 'Readings by result (stored, duplicate)',
      labelNames: ['result'],
      registers: [registry],
    }),
    metricsRejected: new Counter({
      name: 'mimamori_ingest_metric_values_rejected_total',
      help: 'Single metric values refused while the rest of the reading was kept',
      labelNames: ['reason'],
      registers: [registry],
    }),
    images: new Counter({
      name: 'mimamori_ingest_images_total',
      help: 'Camera images by result (stored, duplicate)',
      labelNames: ['result'],
      registers: [registry],
    }),
    storeWritten(rows, seconds) {
      storeWriteSeconds.observe(seconds)
      storeWriteRows.observe(rows)
    },
    pendingRows: new Gauge({
      name: 'mimamori_ingest_pending_rows',
      help: 'Metric rows waiting for the store',
      registers: [registry],
      collect() {
        this.set(pendingRows())
      },
    }),
  }
}
