import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { createBrokerMetrics } from '../broker/metrics.js'
import { startBroker } from '../broker/server.js'
import { createAuth } from '../dashboard/server/auth.js'
import { generatePassword, hashPassword } from '../dashboard/server/passwords.js'
import { startDashboard } from '../dashboard/server/server.js'
import { createAlertAdmin } from '../ingest/alerts/admin.js'
import { seedDefaultRules } from '../ingest/alerts/default-rules.js'
import { createAlertEngine } from '../ingest/alerts/engine.js'
import type { Notifier } from '../ingest/alerts/notifier.js'
import { createAlertDelivery } from '../ingest/alerts/notifiers/index.js'
import { createBatchWriter } from '../ingest/batch-writer.js'
import { createCredentialService } from '../ingest/credentials.js'
import { createDeadLetterSink } from '../ingest/dead-letter.js'
import { createDedupe } from '../ingest/dedupe.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { startHousekeeping } from '../ingest/housekeeping.js'
import { createImageStore } from '../ingest/images.js'
import { loadLatestCache } from '../ingest/latest.js'
import { createMaintenanceCalendar } from '../ingest/maintenance.js'
import { createIngestMetrics } from '../ingest/metrics.js'
import { createIngestPipeline, type ReadingsListener } from '../ingest/pipeline.js'
import { provisionDevice, provisionGateway } from '../ingest/provisioning.js'
import { type EmbeddedStore, openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { createInfluxReadingStore } from '../ingest/store/influx/reading-store.js'
import type { MetaStore } from '../ingest/store/meta-store.js'
import { createSpoolingStore, type SpoolingStore } from '../ingest/store/spool.js'
import type { ReadingStore } from '../ingest/store/store.js'
import type { SystemConfig } from './config.js'
import { startDemoFleet } from './demo.js'
import { createGatewayStatusBoard, syncGatewayDeviceLists } from './gateway-sync.js'
import { loadSecretKey } from './secret-key.js'

export const DB_FILE = 'mimamori.duckdb'
export const ADMIN_SOCKET = 'mimamori.sock'
/** Readings newer than this at start-up are deduplicated in memory; older ones via the store. */
const DEDUPE_LOOKBACK_MS = 24 * 3_600_000

export interface RunningSystem {
  mqttPort: number
  mqttWsPort: number
  httpPort: number
  /** Set only on the first start when no MIMAMORI_ADMIN_PASSWORD was given. */
  generatedAdminPassword?: string
  metrics: Registry
  /** The reading store, for health pages and tests. */
  readings: ReadingStore
  stop(): Promise<void>
}

export function registerSpoolMetrics(registry: Registry, spool: SpoolingStore) {
  new Gauge({
    name: 'mimamori_spool_backlog_bytes',
    help: 'Bytes of readings spooled on disk while the TSDB is unreachable',
    registers: [registry],
    collect() {
      this.set(spool.backlogBytes())
    },
  })
  new Gauge({
    name: 'mimamori_spool_backlog_batches',
    help: 'Batches spooled on disk while the TSDB is unreachable',
    registers: [registry],
    collect() {
      this.set(spool.backlogBatches())
    },
  })
}

/** The DATA_DIR's DuckDB store as configured (retention, memory limit). */
export function openDataDirStore(config: SystemConfig, log: Logger): Promise<EmbeddedStore> {
  return openEmbeddedStore(
    join(config.dataDir, DB_FILE),
    config.ingest.retention,
    log.child({ component: 'store' }),
    {
      memoryLimitMb: config.ingest.duckdbMemoryMb,
      ...(config.ingest.duckdbThreads ? { threads: config.ingest.duckdbThreads } : {}),
    },
  )
}

/**
 * A shutdown step: loads the ingest log into DuckDB for a tidy file (for at most 10 s; what does
 * not make it is loaded at the next start), then closes.
 */
export async function closeDataDirStore(store: EmbeddedStore): Promise<void> {
  await Promise.race([store.readings.flush(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())])
  await store.close()
}

/** What the embedded store holds in memory and in its ingest log, for /metrics. */
export function registerEmbeddedStoreMetrics(registry: Registry, store: EmbeddedStore) {
  new Gauge({
    name: 'mimamori_duckdb_memory_bytes',
    help: "Bytes held by DuckDB's buffer manager (bounded by DUCKDB_MEMORY_LIMIT_MB)",
    registers: [registry],
    async collect() {
      this.set(await store.memoryBytes().catch(() => 0))
    },
  })
  new Gauge({
    name: 'mimamori_ingest_log_unloaded_bytes',
    help: 'Bytes of acknowledged readings in the ingest log not yet loaded into DuckDB',
    registers: [registry],
    collect() {
      this.set(store.readings.unloadedBytes())
    },
  })
}

/** The configured time-series store: the DuckDB file, or a TSDB behind a disk spool. */
export function openReadingStore(
  config: SystemConfig,
  embedded: Pick<EmbeddedStore, 'readings'> | undefined,
  log: Logger,
): ReadingStore | SpoolingStore {
  const store = config.ingest.store
  if (store.kind === 'duckdb') {
    if (!embedded) throw new Error('STORE=duckdb needs the embedded DuckDB file')
    return embedded.readings
  }
  const tsdbLog = log.child({ component: 'tsdb' })
  const influx = createInfluxReadingStore({
    url: store.url,
    ...(store.token ? { token: store.token } : {}),
    org: store.org,
    bucket: store.bucket,
    flavor: store.flavor,
    log: tsdbLog,
  })
  log.info({ url: store.url, flavor: store.flavor }, 'readings go to an external TSDB')
  return createSpoolingStore(influx, {
    dir: join(config.dataDir, 'spool'),
    maxBytes: store.spoolMaxBytes,
    log: tsdbLog,
  })
}

async function ensureAdmin(meta: MetaStore, configured: string | undefined, log: Logger) {
  if ((await meta.countUsers()) > 0) return undefined
  const password = configured ?? generatePassword()
  await meta.addUser({
    username: 'admin',
    passwordHash: await hashPassword(password),
    role: 'admin',
    createdAt: Date.now(),
  })
  log.info({ username: 'admin', generated: !configured }, 'created the first admin user')
  return configured ? undefined : password
}

/**
 * The composition root of the all-in-one process: broker + ingest + alerts + dashboard on the
 * embedded DuckDB file, and the demo fleet unless disabled. Parts meet only through the
 * interfaces they are given here.
 */
export async function startSystem(config: SystemConfig, log: Logger): Promise<RunningSystem> {
  mkdirSync(config.dataDir, { recursive: true })
  if (config.broker.redisUrl || config.databaseUrl)
    log.warn('REDIS_URL and DATABASE_URL are for `mimamori broker` (scale-out); this process keeps DATA_DIR')
  const store = await openDataDirStore(config, log)
  const cleanups: Array<() => Promise<void> | void> = [() => closeDataDirStore(store)]
  try {
    const secretKey = loadSecretKey(config.dataDir, config.secretKey)
    const seeded = await seedDefaultRules(store.meta)
    if (seeded > 0) log.info({ rules: seeded }, 'seeded default alert rules')
    const generatedAdminPassword = await ensureAdmin(store.meta, config.adminPassword, log)

    const metrics = new Registry()
    collectDefaultMetrics({ register: metrics, prefix: 'mimamori_process_' })
    registerEmbeddedStoreMetrics(metrics, store)
    const directory = await loadDeviceDirectory(store.meta)
    const readings = openReadingStore(config, store, log)
    if ('close' in readings) cleanups.unshift(() => readings.close())
    if ('backlogBytes' in readings) registerSpoolMetrics(metrics, readings)
    const latest = await loadLatestCache(readings)
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
    const images = createImageStore(join(config.dataDir, 'images'), store.meta)
    // alerts: maintenance windows, routed notifications (webhook, email, LINE), the engine, its admin API
    const maintenance = await createMaintenanceCalendar({
      store: store.meta,
      siteOf: (id) => directory.get(id)?.site,
    })
    const delivery = await createAlertDelivery(config.alerts, { store: store.meta, log, metrics })
    const notifiers: Notifier[] = [delivery.notifier]
    const alerts = await createAlertEngine({
      store: store.meta,
      notifiers,
      log,
      directory,
      images,
      maintenance,
      config: config.alerts,
    })
    alerts.admin = createAlertAdmin({
      store: store.meta,
      reloadRules: (actor) => alerts.reload(actor),
      reloadContacts: () => delivery.reload(),
      maintenance,
      deviceExists: (id) => directory.get(id) !== undefined,
    })
    cleanups.unshift(() => delivery.close())
    cleanups.unshift(() => alerts.close())
    const listeners: ReadingsListener[] = [
      (device, readings) => latest.update(device.id, readings),
      (device, readings, arrival) => alerts.evaluate(device, readings, arrival),
    ]
    const ingestLog = log.child({ component: 'ingest' })
    const dedupe = createDedupe({ windowPerDevice: 64, lookup: readings })
    // a QoS1 message stored just before a crash is redelivered after it: the window must know it
    const devicesWithRecentData = await dedupe.load(Date.now(), DEDUPE_LOOKBACK_MS)
    ingestLog.info({ devices: devicesWithRecentData }, 'dedupe window loaded')
    const housekeeping = startHousekeeping({
      config: config.ingest,
      deadLetters: store.meta,
      images,
      // an external TSDB does its own retention (docs/storage-tsdb.md)
      ...(config.ingest.store.kind === 'duckdb' ? { rollups: store.rollups } : {}),
      log,
    })
    cleanups.unshift(() => housekeeping.stop())
    const pipeline = createIngestPipeline({
      images,
      directory,
      writer,
      dedupe,
      deadLetters: createDeadLetterSink(store.meta, ingestLog),
      metrics: ingestMetrics,
      log: ingestLog,
      listeners,
      qualityOf: maintenance.qualityOf,
      onRejectedMetrics: (device, rejections, receivedAt) => alerts.rejected(device, rejections, receivedAt),
    })

    const provision = async (input: Parameters<typeof provisionDevice>[2]) =>
      provisionDevice(directory, secretKey, input)
    const gatewayStatuses = createGatewayStatusBoard()

    let started = false
    const dashboard = await startDashboard(
      config.dashboard,
      {
        auth: createAuth({ users: store.meta, sessionTtlMs: config.dashboard.sessionTtlMs }),
        directory,
        latest,
        readings,
        alertStore: store.meta,
        images,
        users: store.meta,
        audit: (entry) => {
          store.meta
            .addAudit({ at: Date.now(), ...entry, detail: entry.detail ?? null })
            .catch((err: unknown) => log.error({ err }, 'audit entry not stored'))
        },
        alerts,
        metricsRegistry: metrics,
        provision,
        provisionGateway: (input: { id: string }) => provisionGateway(directory, secretKey, input),
        credentials: createCredentialService(directory, secretKey),
        gatewayStatuses,
        ready: () => {
          const reasons = [
            ...(started ? [] : ['starting']),
            ...(writer.healthy() ? [] : ['store refuses writes']),
            ...('backlogBytes' in readings && readings.backlogBytes() > 0
              ? [`${readings.backlogBatches()} batches spooled while the TSDB is unreachable`]
              : []),
          ]
          return { ready: reasons.length === 0, reasons }
        },
        demo: config.demo,
        silentAfterMs: config.dashboard.silentAfterMs,
        timeZone: config.dashboard.timeZone,
      },
      { log, adminSocketPath: join(config.dataDir, ADMIN_SOCKET) },
    )
    cleanups.unshift(() => dashboard.close())
    // run order on stop: demo fleet, broker, then flush the writer, then let alerts settle
    cleanups.unshift(() => alerts.idle())
    cleanups.unshift(() => writer.close())
    listeners.push(dashboard.live.onReadings)
    notifiers.push(dashboard.live.notifier)

    const broker = await startBroker(config.broker, {
      directory,
      secretKey,
      ingest: {
        ...pipeline,
        gatewayStatus: (id, status) => {
          gatewayStatuses.record(id, status)
          alerts.gatewayStatus(id, status)
        },
      },
      metrics: createBrokerMetrics(metrics),
      log,
    })
    // broker first on shutdown: stop accepting, then flush what was accepted
    cleanups.unshift(() => broker.close())
    directory.onRemoved((id) => broker.disconnectDevice(id))
    syncGatewayDeviceLists(broker.aedes, directory, log.child({ component: 'gateways' }))

    if (config.demo) {
      const fleet = await startDemoFleet({
        dataDir: config.dataDir,
        directory,
        provision,
        mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
        intervalMs: config.demoIntervalMs,
        log: log.child({ component: 'demo' }),
      })
      cleanups.unshift(() => fleet.stop())
    }
    started = true

    let stopping: Promise<void> | undefined
    return {
      mqttPort: broker.port,
      mqttWsPort: broker.wsPort,
      httpPort: dashboard.port,
      ...(generatedAdminPassword ? { generatedAdminPassword } : {}),
      metrics,
      readings,
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

/** Runs shutdown steps in order; one failing is logged and the rest still run. */
export async function runCleanups(cleanups: Array<() => Promise<void> | void>, log: Logger) {
  for (const cleanup of cleanups) {
    try {
      await cleanup()
    } catch (err) {
      log.error({ err }, 'error during shutdown')
    }
  }
}
