/**
 * The metadata side of storage: device registry, users and sessions, alert rules and history,
 * dead letters. Embedded in the DuckDB file by default; scale-out brokers keep the registry, the
 * MQTT ACL, dead letters and image metadata in PostgreSQL (ingest/store/postgres/).
 */
import type { DeviceKind, RejectReason } from '../../firmware-contracts/index.js'
import type {
  AlertConfigStore,
  AlertPatch,
  AlertQuery,
  AuditStore,
  MaintenanceStore,
  NotificationDeadLetterStore,
} from './alert-meta.js'

export type * from './alert-meta.js'

export interface DeviceRecord {
  id: string
  kind: DeviceKind
  site: string | null
  /** Keyed hash of the device secret (see broker/device-secrets.ts). */
  secretHash: string
  createdAt: number
  revokedAt: number | null
  /** WGS84 position of the station, for maps and open-data exports. */
  lat?: number | null
  lon?: number | null
  /** The edge gateway that may publish for this device (DESIGN.md, "Gateways"). */
  gatewayId?: string | null
  /** The device secret hashed with that gateway's device key, so the gateway can check it offline. */
  gatewaySecretHash?: string | null
}

export interface GatewayRecord {
  id: string
  secretHash: string
  createdAt: number
  revokedAt: number | null
}

export interface UserRecord {
  username: string
  passwordHash: string
  role: 'admin' | 'operator' | 'viewer'
  createdAt: number
  /** Device kinds this user may see; null = every kind (DESIGN.md, "Roles"). */
  kinds?: DeviceKind[] | null
  /** Sites this user may see; null = every site. A farmer is an operator scoped to their paddies. */
  sites?: string[] | null
}

export interface DeadLetter {
  id: number
  receivedAt: number
  deviceId: string | null
  topic: string
  reason: RejectReason
  detail: string
  /** Raw payload, truncated to a bounded size. */
  payload: Uint8Array
}

export type NewDeadLetter = Omit<DeadLetter, 'id'>

export type Severity = 'info' | 'watch' | 'warning' | 'critical'

/** Higher is more severe (the store writes the most severe waiting alerts first). */
export const SEVERITY_RANK: Record<Severity, number> = { info: 1, watch: 2, warning: 3, critical: 4 }

export interface ThresholdRule {
  id: string
  kind: DeviceKind
  metric: string
  op: 'above' | 'below'
  /** Raise when the value goes past this level. */
  threshold: number
  /** Clear only when the value comes back past this level (hysteresis). */
  clear: number
  severity: Severity
  label: string
  labelJa: string
  enabled: boolean
}

export interface AlertRecord {
  id: number
  ruleId: string
  deviceId: string
  metric: string
  severity: Severity
  state: 'raised' | 'cleared'
  message: string
  value: number
  threshold: number
  raisedAt: number
  clearedAt: number | null
  /** Rule type (`threshold`, `rate`, `forecast`, `silence`, `battery`, `fault`, `gateway`). */
  type?: string
  /** `gateway` for a group incident, whose `deviceId` is then the gateway id. */
  subject?: 'device' | 'gateway'
  site?: string | null
  /** Device kind at raise time (`gateway` for a group incident). */
  deviceKind?: string | null
  acknowledgedAt?: number | null
  acknowledgedBy?: string | null
  ackNote?: string | null
  /** 0 = first contact group; raised by one each time the alert escalates. */
  escalationLevel?: number
  /** Raised and cleared by late (backfilled) readings: recorded, never pushed as new. */
  historical?: boolean
  /** Raised by a late reading. */
  late?: boolean
  /** What the alert rests on: value, threshold, trend points, forecast, image (JSON). */
  evidence?: unknown
}

export interface AlertEventRecord {
  alertId: number
  event: 'raised' | 'cleared' | 'acknowledged' | 'escalated' | 'historical'
  at: number
  value: number
  /** `system` for the engine, else the username. */
  actor?: string | null
  note?: string | null
}

export interface DeviceRegistry {
  addDevice(device: DeviceRecord): Promise<void>
  /** Returns false when no such device existed. */
  removeDevice(id: string): Promise<boolean>
  listDevices(): Promise<DeviceRecord[]>
  getDevice(id: string): Promise<DeviceRecord | undefined>
  /**
   * Marks the device revoked at `at` (its row, hash and data stay): the broker refuses it and the
   * silence watchdog stops watching it. Keeps an earlier revocation time. False when no such device.
   */
  revokeDevice(id: string, at: number): Promise<boolean>
  /** New credentials (rotation): replaces both hashes and lifts a revocation. False when no such device. */
  setDeviceSecret(id: string, secretHash: string, gatewaySecretHash: string | null): Promise<boolean>
  addGateway(gateway: GatewayRecord): Promise<void>
  removeGateway(id: string): Promise<boolean>
  listGateways(): Promise<GatewayRecord[]>
  getGateway(id: string): Promise<GatewayRecord | undefined>
}

export interface UserStore {
  addUser(user: UserRecord): Promise<void>
  getUser(username: string): Promise<UserRecord | undefined>
  countUsers(): Promise<number>
  listUsers(): Promise<UserRecord[]>
  removeUser(username: string): Promise<boolean>
  addSession(tokenHash: string, username: string, expiresAt: number): Promise<void>
  getSession(tokenHash: string): Promise<{ username: string; expiresAt: number } | undefined>
  deleteSession(tokenHash: string): Promise<void>
}

export interface DeadLetterStore {
  addDeadLetters(letters: readonly NewDeadLetter[]): Promise<void>
  listDeadLetters(limit: number, filter?: { reason?: string; deviceId?: string }): Promise<DeadLetter[]>
  /** Deletes letters received before `before` and all but the newest `keep`; returns how many went. */
  pruneDeadLetters(before: number, keep: number): Promise<number>
}

export interface ImageRecord {
  deviceId: string
  captureTs: number
  receivedAt: number
  bytes: number
  sha256: string
}

export interface ImageMetaStore {
  /** Returns false when an image with this (device, capture time) was stored already. */
  addImage(image: ImageRecord): Promise<boolean>
  listImages(deviceId: string, from: number, to: number, limit: number): Promise<ImageRecord[]>
  getImage(deviceId: string, captureTs: number): Promise<ImageRecord | undefined>
  /** Images to delete for retention: older than `before`, or beyond `maxBytes` in total (oldest first). */
  imagesToPrune(before: number, maxBytes: number): Promise<ImageRecord[]>
  deleteImage(deviceId: string, captureTs: number): Promise<void>
}

export interface AlertStore {
  listRules(): Promise<ThresholdRule[]>
  upsertRule(rule: ThresholdRule): Promise<void>
  /** Inserts a raised alert and returns it with its new id. */
  insertAlert(alert: Omit<AlertRecord, 'id'>): Promise<AlertRecord>
  /** `by`: a person or reason other than the value (e.g. the rule was disabled); default the engine. */
  clearAlert(
    id: number,
    clearedAt: number,
    value: number,
    by?: { actor: string; note: string },
  ): Promise<void>
  listAlerts(
    filter: { state?: 'raised' | 'cleared'; limit: number } & Partial<AlertQuery>,
  ): Promise<AlertRecord[]>
  listAlertEvents(alertId: number): Promise<AlertEventRecord[]>
  getAlert(id: number): Promise<AlertRecord | undefined>
  updateAlert(id: number, patch: AlertPatch): Promise<void>
  addAlertEvent(event: AlertEventRecord): Promise<void>
}

/** Everything the alert engine and its REST routes keep in the metadata store. */
export interface AlertMetaStore
  extends AlertStore,
    AlertConfigStore,
    MaintenanceStore,
    AuditStore,
    NotificationDeadLetterStore {}

export interface MetaStore
  extends DeviceRegistry,
    UserStore,
    DeadLetterStore,
    ImageMetaStore,
    AlertMetaStore {}
