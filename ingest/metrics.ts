import { Counter, Gauge, type Registry } from 'prom-client'

export interface IngestMetrics {
  messages: Counter<'result' | 'reason'>
  readings: Counter<'result'>
  metricsRejected: Counter<'reason'>
  pendingRows: Gauge
  images: Counter<'result'>
}

export function createIngestMetrics(registry: Registry, pendingRows: () => number): IngestMetrics {
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
