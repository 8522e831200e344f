/**
 * The broker alone in its own process, for bench/broker-load.ts: devices `d0`…`dN` with the
 * password `pw-<id>`, an ingest port that accepts everything at once (no store), and answers to
 * `stats` messages over IPC. Run with --expose-gc so idle memory is measured after a GC.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import pino from 'pino'
import { Registry } from 'prom-client'
import { loadBrokerConfig } from '../broker/config.js'
import { hashDeviceSecret } from '../broker/device-secrets.js'
import type { DeviceDirectory } from '../broker/ingest-port.js'
import { createBrokerMetrics } from '../broker/metrics.js'
import { startBroker } from '../broker/server.js'

const key = Buffer.alloc(32, 1)
const hashes = new Map<string, string>()
const directory: DeviceDirectory = {
  get(id) {
    if (!/^d\d+$/.test(id)) return undefined
    let secretHash = hashes.get(id)
    if (!secretHash) {
      secretHash = hashDeviceSecret(key, `pw-${id}`)
      hashes.set(id, secretHash)
    }
    return { id, secretHash, revokedAt: null }
  },
  getGateway: () => undefined,
}
let received = 0
const broker = await startBroker(
  loadBrokerConfig({
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_PERSISTENCE: 'memory',
    MQTT_MAX_CONNECTIONS: '30000',
    MQTT_CONN_RATE_PER_IP: '0',
    MQTT_KEEPALIVE_MAX_S: '3600',
  }),
  {
    directory,
    secretKey: key,
    ingest: {
      telemetry: async () => {
        received += 1
      },
      image: async () => {},
      refused: () => {},
    },
    metrics: createBrokerMetrics(new Registry()),
    log: pino({ level: 'warn' }),
  },
)
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
const stats = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  const m = process.memoryUsage()
  const lagP99Ms = lag.percentile(99) / 1e6
  lag.reset()
  return {
    lagP99Ms,
    received,
    at: Date.now(),
    rss: m.rss,
    heapUsed: m.heapUsed,
    clients: broker.aedes.connectedClients,
  }
}
process.on('message', (msg: string) => {
  if (msg === 'stats') process.send?.({ stats: stats() })
  if (msg === 'stop') void broker.close().then(() => process.exit(0))
})
process.send?.({ port: broker.port, stats: stats() })
