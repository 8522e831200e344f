import { Counter, Gauge, type Registry } from 'prom-client'

export interface BrokerMetrics {
  connections: Gauge
  authFailures: Counter<'reason'>
  refused: Counter<'reason'>
  messages: Counter<'channel'>
}

export function createBrokerMetrics(registry: Registry): BrokerMetrics {
  return {
    connections: new Gauge({
      name: 'mimamori_mqtt_connections',
      help: 'Authenticated MQTT clients connected now',
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'mimamori_mqtt_auth_failures_total',
      help: 'Refused MQTT CONNECTs by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'mimamori_mqtt_refused_total',
      help: 'Publishes and subscriptions refused by the ACL or limits, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'mimamori_mqtt_messages_total',
      help: 'Accepted device publishes by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
  }
}
