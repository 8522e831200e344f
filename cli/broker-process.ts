/**
 * The composition root of `mimamori broker`: the MQTT broker and its in-process ingest, without
 * alerts or the dashboard (DESIGN.md: each broker process runs its own ingest, in
 * `authorizePublish`, before the PUBACK). Alone it uses DATA_DIR like the all-in-one; with
 * REDIS_URL + DATABASE_URL several of them form one broker (docs/broker.md, "Scale-out"):
 *
 * - sessions, retained messages and the message bus in Redis (broker/redis-backplane.ts);
 * - devices, gateways, the MQTT ACL, dead letters and image metadata in PostgreSQL, with a
 *   NOTIFY per change that updates every process's in-memory directory and disconnects a revoked
 *   device wherever it is connected;
 * - readings in the external TSDB (STORE=influx): the DuckDB file admits one process only.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { Acl } from '../broker/acl-file.js'
import { createLiveAcl } from '../broker/live-acl.js'
import { createBrokerMetrics } from '../broker/metrics.js'
import { openRedisBackplane } from '../broker/redis-backplane.js'
import { startBroker } from '../broker/server.js'
import { createBatchWriter } from '../ingest/batch-writer.js'
import { createDeadLetterSink } from '../ingest/dead-letter.js'
import { createDedupe } from '../ingest/dedupe.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { startHousekeeping } from '../ingest/housekeeping.js'
import { createImageStore } from '../ingest/images.js'
import { createIngestMetrics } from '../ingest/metrics.js'
import { createIngestPipeline } from '../ingest/pipeline.js'
import type { EmbeddedStore } from '../ingest/store/duckdb/index.js'
import type { DeadLetterStore, DeviceRegistry, ImageMetaStore } from '../ingest/store/meta-store.js'
import { openPostgresMetaStore, type PostgresMetaStore, redact } from '../ingest/store/postgres/index.js'
import type { SystemConfig } from './config.js'
import { createGatewayStatusBoard, syncGatewayDeviceLists } from './gateway-sync.js'
import { checkBrokerProcessConfig, sharedSecretKey } from './scale-out-config.js'
import { loadSecretKey } from './secret-key.js'
import {
  closeDataDirStore,
  openDataDirStore,
  openReadingStore,
  registerEmbeddedStoreMetrics,
  registerSpoolMetrics,
  runCleanups,
} from './system.js'

/** Readings newer than this at start-up are deduplicated in memory; older ones via the store. */
const DEDUPE_LOOKBACK_MS = 24 * 3_600_000

export interface RunningBrokerProcess {
  mqttPort: number
  mqttWsPort: number
  httpPort: number
  scaleOut: boolean
  metrics: Registry
  stop(): Promise<void>
}

function startHttp(
  host: string,
  port: number,
  metrics: Registry,
  ready: () => { ready: boolean; reasons: string[] },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' })
    if (path === '/healthz') return json(200, { status: 'ok' })
    if (path === '/readyz') {
      const state = ready()
      return json(state.ready ? 200 : 503, {
        status: state.ready ? 'ready' : 'not ready',
        reasons: state.reasons,
      })
    }
    if (path === '/metrics') {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType })
          res.end(text)
        },
        () => json(500, { error: 'metrics failed' }),
      )
      return
    }
    json(404, { error: 'not found' })
  })
  server.requestTimeout = 10_000
  server.headersTimeout = 10_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })
}

export async function startBrokerProcess(config: SystemConfig, log: Logger): Promise<RunningBrokerProcess> {
  checkBrokerProcessConfig(config)
  const scaleOut = config.broker.redisUrl !== undefined
  mkdirSync(config.dataDir, { recursive: true })
  const cleanups: Array<() => Promise<void> | void> = []
  try {
    let pg: PostgresMetaStore | undefined
    let embedded: EmbeddedStore | undefined
    let registry: DeviceRegistry
    let deadLetters: DeadLetterStore
    let imageMeta: ImageMetaStore
    let secretKey: Buffer
    if (config.databaseUrl) {
      secretKey = sharedSecretKey(config)
      const opened = await openPostgresMetaStore(config.databaseUrl)
      pg = opened
      cleanups.unshift(() => opened.close())
      registry = opened.registry
      deadLetters = opened.deadLetters
      imageMeta = opened.images
      log.info({ database: redact(config.databaseUrl) }, 'registry, ACL and dead letters in PostgreSQL')
    } else {
      const opened = await openDataDirStore(config, log)
      embedded = opened
      cleanups.unshift(() => closeDataDirStore(opened))
      registry = opened.meta
      deadLetters = opened.meta
      imageMeta = opened.meta
      secretKey = loadSecretKey(config.dataDir, config.secretKey)
    }

    const metrics = new Registry()
    collectDefaultMetrics({ register: metrics, prefix: 'mimamori_process_' })
    if (embedded) registerEmbeddedStoreMetrics(metrics, embedded)
    const directory = await loadDeviceDirectory(registry)

    // the MQTT ACL: MQTT_ACL_FILE wins; else, with PostgreSQL, its mqtt_acl_* tables (kept live)
    let liveAcl: ReturnType<typeof createLiveAcl> | undefined
    if (pg && !config.broker.aclFile) liveAcl = createLiveAcl(await pg.acl.load())
    if (pg) {
      const db = pg
      const listener = await db.listen(
        {
          async onChange(notice) {
            if (notice.table === 'acl') {
              if (liveAcl) liveAcl.replace(await db.acl.load())
              log.info('MQTT ACL reloaded from PostgreSQL')
            } else await directory.refresh(notice)
          },
          async onResync() {
            await directory.reload()
            if (liveAcl) liveAcl.replace(await db.acl.load())
          },
        },
        log.child({ component: 'registry' }),
      )
      cleanups.unshift(() => listener.close())
      // changes between the first load and LISTEN would otherwise be missed
      await directory.reload()
    }

    const readings = openReadingStore(config, embedded, log)
    if ('close' in readings) cleanups.unshift(() => readings.close())
    if ('backlogBytes' in readings) registerSpoolMetrics(metrics, readings)
    const ingestMetrics = createIngestMetrics(metrics, () => writer.pendingRows())
    const writer = createBatchWriter(
      readings,
      {
        maxRows: config.ingest.batchMaxRows,
        maxAgeMs: config.ingest.batchMaxAgeMs,
        retryDelayMs: 100,
        onWritten: ingestMetrics.storeWritten,
      },
      log.child({ component: 'writer' }),
    )
    const images = createImageStore(join(config.dataDir, 'images'), imageMeta)
    const ingestLog = log.child({ component: 'ingest' })
    const dedupe = createDedupe({ windowPerDevice: 64, lookup: readings })
    const devicesWithRecentData = await dedupe.load(Date.now(), DEDUPE_LOOKBACK_MS)
    ingestLog.info({ devices: devicesWithRecentData }, 'dedupe window loaded')
    const housekeeping = startHousekeeping({
      config: config.ingest,
      deadLetters,
      images,
      ...(embedded && config.ingest.store.kind === 'duckdb' ? { rollups: embedded.rollups } : {}),
      log,
    })
    cleanups.unshift(() => housekeeping.stop())
    const pipeline = createIngestPipeline({
      images,
      directory,
      writer,
      dedupe,
      deadLetters: createDeadLetterSink(deadLetters, ingestLog),
      metrics: ingestMetrics,
      log: ingestLog,
      // alerts and live charts run in the all-in-one process (`mimamori start`), not here
      listeners: [],
    })
    cleanups.unshift(() => writer.close())

    const backplane = config.broker.redisUrl ? openRedisBackplane(config.broker.redisUrl, log) : undefined
    if (backplane) {
      cleanups.unshift(() => backplane.close())
      await backplane.ready()
    }
    const gatewayStatuses = createGatewayStatusBoard()
    const acl: Acl | undefined = liveAcl
    const broker = await startBroker(config.broker, {
      directory,
      secretKey,
      ingest: { ...pipeline, gatewayStatus: (id, status) => gatewayStatuses.record(id, status) },
      metrics: createBrokerMetrics(metrics),
      log,
      ...(acl ? { acl } : {}),
      ...(backplane ? { persistence: backplane.persistence, mq: backplane.mq } : {}),
    })
    // broker first on shutdown: stop accepting, then flush what was accepted
    cleanups.unshift(() => broker.close())
    directory.onRemoved((id) => broker.disconnectDevice(id))
    syncGatewayDeviceLists(broker.aedes, directory, log.child({ component: 'gateways' }))

    let started = false
    const http = await startHttp(config.dashboard.host, config.dashboard.port, metrics, () => {
      const reasons = [
        ...(started ? [] : ['starting']),
        ...(writer.healthy() ? [] : ['store refuses writes']),
        ...('backlogBytes' in readings && readings.backlogBytes() > 0
          ? [`${readings.backlogBatches()} batches spooled while the TSDB is unreachable`]
          : []),
      ]
      return { ready: reasons.length === 0, reasons }
    })
    cleanups.unshift(
      () =>
        new Promise<void>((resolve) => {
          http.close(() => resolve())
          http.closeAllConnections()
        }),
    )
    const address = http.address()
    started = true
    log.info(
      {
        mqttPort: broker.port,
        scaleOut,
        redis: config.broker.redisUrl ? redact(config.broker.redisUrl) : undefined,
      },
      'broker process started',
    )

    let stopping: Promise<void> | undefined
    return {
      mqttPort: broker.port,
      mqttWsPort: broker.wsPort,
      httpPort: typeof address === 'object' && address ? address.port : config.dashboard.port,
      scaleOut,
      metrics,
      stop() {
        stopping ??= runCleanups(cleanups, log)
        return stopping
      },
    }
  } catch (err) {
    await runCleanups(cleanups, log)
    throw err
  }
}
