import type { Registry } from 'prom-client'
import type { GatewayStatus } from '../../firmware-contracts/index.js'
import type { AlertEngine } from '../../ingest/alerts/engine.js'
import type { CredentialService } from '../../ingest/credentials.js'
import type { DeviceDirectory } from '../../ingest/device-directory.js'
import type { ImageStore } from '../../ingest/images.js'
import type { LatestCache } from '../../ingest/latest.js'
import type { AlertStore, DeadLetterStore, UserStore } from '../../ingest/store/meta-store.js'
import type { ReadingStore } from '../../ingest/store/store.js'
import type { Auth } from './auth.js'

/** Everything the HTTP and socket layers read from; built by the composition root (cli/system.ts). */
export interface DashboardDeps {
  auth: Auth
  directory: DeviceDirectory
  latest: LatestCache
  readings: ReadingStore
  alertStore: AlertStore & DeadLetterStore
  images: ImageStore
  users: UserStore
  /** Records an administrative action (who, what, on what); optional until the audit log lands. */
  audit?(entry: { actor: string; action: string; target: string; detail?: unknown }): void
  alerts: AlertEngine
  metricsRegistry: Registry
  /** Creates a device and returns its one-time password. */
  provision(input: {
    id: string
    kind: string
    site: string | null
    lat?: number | null
    lon?: number | null
    gatewayId?: string | null
  }): Promise<{ password: string }>
  provisionGateway(input: { id: string }): Promise<{ password: string; deviceKey: string }>
  /** Device credential rotation and revocation (REST `POST /devices/{id}/rotate|revoke`). */
  credentials?: CredentialService
  gatewayStatuses: { get(gatewayId: string): (GatewayStatus & { receivedAt: number }) | undefined }
  /** Readiness: false while the store refuses writes or start-up is not finished. */
  ready(): { ready: boolean; reasons: string[] }
  demo: boolean
  /** A device is `silent` once it has not reported for this long. */
  silentAfterMs: number
  /** IANA zone the browser shows times in. */
  timeZone?: string
  now?: () => number
}
