/**
 * Wires one gateway: the synced device directory, the outbox, the local MQTT listener (the
 * broker's own building blocks, with the device key as the hash key), the uplink bridge and
 * forwarder, and the HTTP port. Everything it needs arrives as arguments.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { createBrokerMetrics } from '../broker/metrics.js'
import { type RunningBroker, startBroker } from '../broker/server.js'
import { parseDeviceTopic } from '../firmware-contracts/index.js'
import { createBridge } from './bridge.js'
import type { GatewayConfig } from './config.js'
import { loadSyncedDirectory } from './directory.js'
import { createForwarder } from './forwarder.js'
import { startGatewayHttp } from './http.js'
import { createLocalIngest } from './local-ingest.js'
import { createGatewayMetrics } from './metrics.js'
import { openOutbox } from './outbox.js'

export interface RunningGateway {
  ports: { mqtt: number; mqttWs: number; http: number }
  metrics: Registry
  /** Stops the listener, says `offline` upstream, flushes the outbox and closes everything. */
  stop(): Promise<void>
}

export async function startGateway(config: GatewayConfig, deps: { log: Logger }): Promise<RunningGateway> {
  const log = deps.log.child({ gatewayId: config.gatewayId })
  mkdirSync(config.dataDir, { recursive: true })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mimamori_gateway_process_' })
  const metrics = createGatewayMetrics(registry)
  metrics.diskBudgetBytes.set(config.diskBudgetBytes)

  const directory = loadSyncedDirectory({
    file: join(config.dataDir, 'devices.json'),
    gatewayId: config.gatewayId,
    log,
  })
  metrics.devices.set(directory.size)
  const outbox = await openOutbox({
    dir: join(config.dataDir, 'outbox'),
    budgetBytes: config.diskBudgetBytes,
    segmentBytes: config.segmentBytes,
    log,
    onCommit: (seconds) => metrics.commitSeconds.observe(seconds),
  })
  log.info({ ...outbox.stats(), budgetBytes: config.diskBudgetBytes }, 'outbox opened')
  const forwarder = createForwarder({
    outbox,
    rate: config.backfillRate,
    maxBatchBytes: config.maxBatchBytes,
    log,
    metrics,
  })
  let broker: RunningBroker | undefined
  const bridge = createBridge({
    config,
    outbox,
    directory,
    forwarder,
    metrics,
    log,
    onDevicesChanged: (ids) => {
      for (const id of ids) broker?.disconnectDevice(id)
    },
    onCommand: (topic, payload) =>
      broker?.aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) => {
        if (err) log.warn({ err, topic }, 'command not delivered locally')
      }),
  })
  const ingest = createLocalIngest({ directory, outbox, forwardImage: bridge.forwardImage, metrics, log })

  const cleanups: Array<() => Promise<void> | void> = [() => outbox.close(), () => forwarder.close()]
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((err: unknown) => log.error({ err }, 'gateway shutdown step failed'))
    }
  }
  try {
    const running = await startBroker(config.mqtt, {
      directory,
      secretKey: config.deviceKey,
      ingest,
      metrics: createBrokerMetrics(registry),
      log,
    })
    broker = running
    cleanups.push(() => bridge.stop())
    // the listener stops first, so nothing is acknowledged that the outbox can no longer take
    cleanups.push(() => running.close())
    running.aedes.on('publish', (packet, client) => {
      if (!client) return // our own relays of commands
      const channel = parseDeviceTopic(packet.topic)?.channel
      if (channel === 'status' || channel === 'cmd/ack') {
        bridge.forwardDeviceMessage(packet.topic, packet.payload as Buffer, packet.retain)
      }
    })

    const refreshMetrics = async () => {
      const stats = outbox.stats()
      metrics.backlogReadings.set(stats.backlog)
      metrics.backlogBytes.set(stats.bytes)
      metrics.accepting.set(stats.accepting ? 1 : 0)
      const oldest = await outbox.oldestUnsentTs()
      metrics.oldestUnsentTs.set(oldest === null ? 0 : oldest / 1000)
    }
    const http = await startGatewayHttp(
      { host: config.http.host, port: config.http.port, registry },
      {
        accepting: () => outbox.accepting,
        healthy: () => !outbox.failed,
        uplinkUp: () => bridge.up,
        status: () => bridge.statusPayload('online'),
        refreshMetrics,
      },
    )
    cleanups.push(() => http.close())

    bridge.start()
    log.info(
      { mqtt: running.port, mqttWs: running.wsPort, http: http.port, centre: config.centralUrl },
      'gateway started',
    )
    return { ports: { mqtt: running.port, mqttWs: running.wsPort, http: http.port }, metrics: registry, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
