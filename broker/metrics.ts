import { Counter, Gauge, type Registry } from 'prom-client'

/** Live sizes the broker reports through gauges (filled in by startBroker). */
export interface BrokerStats {
  retained?: () => number
  queued?: () => number
  sessions?: () => number
  /** The direct path's budget of device telemetry taken from sockets and not stored yet. */
  direct?: () => { inFlight: number; waiting: number }
}

export interface BrokerMetrics {
  connections: Gauge
  authFailures: Counter<'reason'>
  refused: Counter<'reason'>
  messages: Counter<'channel'>
  sockets: Gauge<'listener'>
  connects: Counter
  connectionsRefused: Counter<'reason'>
  disconnects: Counter<'reason'>
  messagesIn: Counter<'qos'>
  messagesOut: Counter<'qos'>
  bytesIn: Counter
  bytesOut: Counter
  dropped: Counter<'reason'>
  tlsCertExpiry?: Gauge
  stats: BrokerStats
}

export function createBrokerMetrics(registry: Registry): BrokerMetrics {
  const registers = [registry]
  const stats: BrokerStats = {}
  const sized = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read()
        if (value !== undefined) this.set(value)
      },
    })
  sized('mimamori_mqtt_retained_messages', 'Retained messages held by the broker', () => stats.retained?.())
  sized(
    'mimamori_mqtt_queued_messages',
    'QoS 1/2 messages queued for persistent sessions (offline or unacknowledged)',
    () => stats.queued?.(),
  )
  sized('mimamori_mqtt_persistent_sessions', 'Persistent sessions with subscriptions', () =>
    stats.sessions?.(),
  )
  sized(
    'mimamori_mqtt_direct_in_flight',
    'Device telemetry taken from sockets by the direct path and not stored yet (bounded: reading pauses at the limit)',
    () => stats.direct?.().inFlight,
  )
  sized(
    'mimamori_mqtt_direct_waiting_connections',
    'Connections waiting for room among those messages before their next read (the store is behind)',
    () => stats.direct?.().waiting,
  )
  return {
    stats,
    connections: new Gauge({
      name: 'mimamori_mqtt_connections',
      help: 'Authenticated MQTT clients connected now',
      registers,
    }),
    authFailures: new Counter({
      name: 'mimamori_mqtt_auth_failures_total',
      help: 'Refused MQTT CONNECTs by reason',
      labelNames: ['reason'],
      registers,
    }),
    refused: new Counter({
      name: 'mimamori_mqtt_refused_total',
      help: 'Publishes and subscriptions refused by the ACL or limits, by reason',
      labelNames: ['reason'],
      registers,
    }),
    messages: new Counter({
      name: 'mimamori_mqtt_messages_total',
      help: 'Accepted device publishes by channel',
      labelNames: ['channel'],
      registers,
    }),
    sockets: new Gauge({
      name: 'mimamori_mqtt_sockets',
      help: 'Open sockets by listener, before and after CONNECT',
      labelNames: ['listener'],
      registers,
    }),
    connects: new Counter({
      name: 'mimamori_mqtt_connects_total',
      help: 'Accepted MQTT CONNECTs',
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'mimamori_mqtt_connections_refused_total',
      help: 'Sockets closed on accept by reason (max_connections, rate_limited)',
      labelNames: ['reason'],
      registers,
    }),
    disconnects: new Counter({
      name: 'mimamori_mqtt_disconnects_total',
      help: 'Closed MQTT connections by reason',
      labelNames: ['reason'],
      registers,
    }),
    messagesIn: new Counter({
      name: 'mimamori_mqtt_messages_in_total',
      help: 'PUBLISH packets received from clients by QoS',
      labelNames: ['qos'],
      registers,
    }),
    messagesOut: new Counter({
      name: 'mimamori_mqtt_messages_out_total',
      help: 'PUBLISH packets sent to clients by QoS',
      labelNames: ['qos'],
      registers,
    }),
    bytesIn: new Counter({ name: 'mimamori_mqtt_bytes_in_total', help: 'Bytes received', registers }),
    bytesOut: new Counter({ name: 'mimamori_mqtt_bytes_out_total', help: 'Bytes sent', registers }),
    tlsCertExpiry: new Gauge({
      name: 'mimamori_mqtt_tls_cert_expiry_timestamp_seconds',
      help: 'When the MQTT TLS server certificate expires (Unix time; 0 without TLS)',
      registers,
    }),
    dropped: new Counter({
      name: 'mimamori_mqtt_dropped_total',
      help: 'Messages the broker did not deliver or keep, by reason',
      labelNames: ['reason'],
      registers,
    }),
  }
}
