import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface GatewayMetrics {
  backlogReadings: Gauge
  backlogBytes: Gauge
  oldestUnsentTs: Gauge
  diskBudgetBytes: Gauge
  accepting: Gauge
  uplinkUp: Gauge
  devices: Gauge
  accepted: Counter
  refused: Counter<'reason'>
  invalid: Counter<'reason'>
  localRefusals: Counter<'reason'>
  forwarded: Counter<'path'>
  dropped: Counter<'reason'>
  uplinkConnects: Counter
  commitSeconds: Histogram
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry]
  return {
    backlogReadings: new Gauge({
      name: 'mimamori_gateway_backlog_readings',
      help: 'Outbox entries (readings, or unparsable payloads) not yet acknowledged by the centre',
      registers,
    }),
    backlogBytes: new Gauge({
      name: 'mimamori_gateway_backlog_bytes',
      help: 'Bytes of outbox segment files on disk',
      registers,
    }),
    oldestUnsentTs: new Gauge({
      name: 'mimamori_gateway_oldest_unsent_timestamp_seconds',
      help: 'Reading time of the oldest reading not yet acknowledged by the centre (0 when none)',
      registers,
    }),
    diskBudgetBytes: new Gauge({
      name: 'mimamori_gateway_disk_budget_bytes',
      help: 'Configured outbox disk budget (GATEWAY_DISK_BUDGET_MB)',
      registers,
    }),
    accepting: new Gauge({
      name: 'mimamori_gateway_accepting',
      help: '1 while the gateway acknowledges new readings, 0 when its disk budget is full',
      registers,
    }),
    uplinkUp: new Gauge({
      name: 'mimamori_gateway_uplink_up',
      help: '1 while connected to the central broker',
      registers,
    }),
    devices: new Gauge({
      name: 'mimamori_gateway_devices',
      help: 'Devices assigned to this gateway (last list from the centre)',
      registers,
    }),
    accepted: new Counter({
      name: 'mimamori_gateway_readings_accepted_total',
      help: 'Readings written to the outbox and acknowledged to the device',
      registers,
    }),
    refused: new Counter({
      name: 'mimamori_gateway_readings_refused_total',
      help: 'Readings not acknowledged to the device (it keeps and resends them), by reason',
      labelNames: ['reason'],
      registers,
    }),
    invalid: new Counter({
      name: 'mimamori_gateway_invalid_payloads_total',
      help: 'Telemetry payloads that failed validation here; forwarded unchanged for the dead-letter table',
      labelNames: ['reason'],
      registers,
    }),
    localRefusals: new Counter({
      name: 'mimamori_gateway_local_refusals_total',
      help: 'Publishes refused by the local listener (ACL, oversize, bad image), by reason',
      labelNames: ['reason'],
      registers,
    }),
    forwarded: new Counter({
      name: 'mimamori_gateway_readings_forwarded_total',
      help: 'Outbox entries acknowledged by the centre, by path (live or backfill)',
      labelNames: ['path'],
      registers,
    }),
    dropped: new Counter({
      name: 'mimamori_gateway_readings_dropped_total',
      help: 'Outbox entries given up on, by reason (device no longer assigned to this gateway)',
      labelNames: ['reason'],
      registers,
    }),
    uplinkConnects: new Counter({
      name: 'mimamori_gateway_uplink_connects_total',
      help: 'Successful connections to the central broker',
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'mimamori_gateway_outbox_commit_seconds',
      help: 'Time to write and fsync one group of outbox entries',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    }),
  }
}
