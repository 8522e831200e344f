/**
 * The broker alone on free ports, with in-memory fakes for the device directory and the ingest
 * port, for tests of MQTT behaviour that do not need the rest of the system.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import type { Acl } from '../../broker/acl-file.js'
import { loadBrokerConfig } from '../../broker/config.js'
import { generateDeviceSecret, hashDeviceSecret } from '../../broker/device-secrets.js'
import type { DeviceDirectory, IngestPort, Refusal } from '../../broker/ingest-port.js'
import { createBrokerMetrics } from '../../broker/metrics.js'
import { type RunningBroker, startBroker } from '../../broker/server.js'

export interface Account {
  id: string
  secretHash: string
  revokedAt: number | null
  gatewayId?: string | null
}

export interface TestBroker {
  broker: RunningBroker
  url: string
  wsUrl: string
  dataDir: string
  devices: Map<string, Account>
  gateways: Map<string, Account>
  telemetry: Array<{ deviceId: string; payload: string }>
  refusals: Refusal[]
  /** Registers a device and returns its password. */
  addDevice(id: string, gatewayId?: string | null): string
  metric(name: string, labels?: Record<string, string>): Promise<number>
  metricsText(): Promise<string>
  stop(options?: { keepData?: boolean }): Promise<void>
}

export const SECRET_KEY = Buffer.alloc(32, 7)

export async function startTestBroker(
  options: {
    env?: Record<string, string>
    acl?: Acl
    dataDir?: string
    devices?: Map<string, Account>
    /** Telemetry is stored (and acknowledged) only once this settles: a store that is behind. */
    storeGate?: Promise<void>
  } = {},
): Promise<TestBroker> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mimamori-broker-'))
  const config = loadBrokerConfig({
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTTS_PORT: '0',
    MQTT_WSS_PORT: '0',
    DATA_DIR: dataDir,
    MQTT_AUTH_FAIL_DELAY_MS: '0',
    ...options.env,
  })
  const devices = options.devices ?? new Map<string, Account>()
  const gateways = new Map<string, Account>()
  const directory: DeviceDirectory = { get: (id) => devices.get(id), getGateway: (id) => gateways.get(id) }
  const telemetry: TestBroker['telemetry'] = []
  const refusals: Refusal[] = []
  const ingest: IngestPort = {
    async telemetry(deviceId, _topic, payload) {
      const text = Buffer.from(payload).toString('utf8') // the buffer is the socket's: copy it now
      await options.storeGate
      telemetry.push({ deviceId, payload: text })
    },
    async image() {},
    refused: (refusal) => refusals.push(refusal),
  }
  const registry = new Registry()
  const broker = await startBroker(config, {
    directory,
    secretKey: SECRET_KEY,
    ingest,
    metrics: createBrokerMetrics(registry),
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.acl ? { acl: options.acl } : {}),
  }).catch((err: unknown) => {
    // a broker that refused to start (a bad ACL file, say) leaves no directory behind
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    throw err
  })
  return {
    broker,
    url: `mqtt://127.0.0.1:${broker.port}`,
    wsUrl: `ws://127.0.0.1:${broker.wsPort}`,
    dataDir,
    devices,
    gateways,
    telemetry,
    refusals,
    addDevice(id, gatewayId = null) {
      const password = generateDeviceSecret()
      devices.set(id, { id, secretHash: hashDeviceSecret(SECRET_KEY, password), revokedAt: null, gatewayId })
      return password
    },
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name)
      if (!metric) return 0
      const { values } = await metric.get()
      return values
        .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
        .reduce((sum, v) => sum + v.value, 0)
    },
    metricsText: () => registry.metrics(),
    async stop(stopOptions = {}) {
      await broker.close()
      if (!stopOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
