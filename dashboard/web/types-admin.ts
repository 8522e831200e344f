/** Shapes of the admin, report, rule and public endpoints of /api/v1, as the browser reads them. */

export interface UserRecord {
  username: string
  role: string
  kinds: string[] | null
  sites: string[] | null
  createdAt?: number | string
}

export interface NewUser {
  username: string
  role: 'admin' | 'operator' | 'viewer'
  password?: string
  kinds?: string[] | null
  sites?: string[] | null
}

export interface NewDevice {
  id: string
  kind: string
  site?: string | null
  lat?: number | null
  lon?: number | null
  gatewayId?: string | null
}

export interface GatewayStatus {
  state?: string
  backlog?: number
  oldestUnsentTs?: number | null
  accepting?: boolean
  receivedAt?: number
}

export interface GatewayInfo {
  id: string
  createdAt: number | string
  devices: string[]
  status: GatewayStatus | null
}

export interface DeadLetterRecord {
  id: number
  receivedAt: number
  deviceId: string | null
  topic: string
  reason: string
  detail: string
  payload: string
  payloadBase64?: string
}

export interface PatrolRow {
  deviceId: string
  kind: string
  site: string | null
  days: number
  daysInBand: number
  daysWithAlerts: number
  daysWithoutData: number
}

export interface PatrolReport {
  from: number
  to: number
  timezone: string
  devices: PatrolRow[]
}

/** One stored rule: `rule` is null when the stored spec no longer validates (then `error`). */
export interface RuleEntry {
  id: string
  rule: RuleSpecView | null
  error?: string
  updatedAt: number | null
  updatedBy: string | null
}

export interface StageBand {
  enabled?: boolean
  threshold?: number
  clear?: number
}

/** The parts of a rule spec (ingest/alerts/rule-spec.ts) the dashboard reads. */
export interface RuleSpecView {
  id: string
  type: string
  kind?: string
  metric?: string
  op?: 'above' | 'below'
  threshold?: number
  clear?: number
  target?: number
  severity: string
  label: string
  labelJa: string
  enabled: boolean
  relativeTo?: { param: string; threshold?: number; clear?: number; target?: number }
  stages?: Record<string, StageBand>
  [key: string]: unknown
}

export interface CropCalendar {
  stages: Array<{ stage: string; from: number | string }>
  end: number | string
}

export interface AlertSettings {
  params?: Record<string, number>
  cropCalendar?: CropCalendar
  cameraDeviceId?: string
  rules?: Record<string, StageBand & { enabled?: boolean; stages?: Record<string, StageBand> }>
}

export interface StoredSettings {
  scope: 'site' | 'device'
  target: string
  settings: AlertSettings
  updatedAt?: number
  updatedBy?: string | null
}

export interface MaintenanceWindow {
  id: number
  scope: 'device' | 'site'
  target: string
  startsAt: number
  endsAt: number | null
  reason: string
  openedBy: string
  openedAt: number
  closedBy: string | null
  closedAt: number | null
}

export interface ContactGroupEntry {
  id: string
  updatedAt: number
  group: unknown
}

export interface PublicReservoir {
  id: string
  name: string
  band: string
  bandLabel: { ja: string; en: string }
  level: { value: number; unit: string; ts: number } | null
  lastUpdate: number | null
}
