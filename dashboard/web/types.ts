/** Shapes of the dashboard REST API (/api/v1) and socket.io events as the browser sees them. */

export type DeviceStatus = 'normal' | 'info' | 'watch' | 'warning' | 'critical' | 'silent' | 'unknown'
export type Severity = 'info' | 'watch' | 'warning' | 'critical'

export interface Sample {
  ts: number
  value: number
}

export type LatestValues = Record<string, Sample>

export interface User {
  username: string
  role: string
  /** Device kinds the user may see; null or absent = all. */
  kinds?: string[] | null
  /** Sites the user may see; null or absent = all. */
  sites?: string[] | null
}

export interface LoginResult {
  token: string
  user: User
  expiresAt: number | string
  /** Sent back as X-CSRF-Token on state-changing requests that ride the session cookie. */
  csrfToken?: string
}

export interface Me extends User {
  demo: boolean
  csrfToken?: string
  /** IANA zone the dashboard shows times in (server setting DASHBOARD_TIME_ZONE). */
  timeZone?: string
}

export interface DeviceSummary {
  id: string
  kind: string
  site: string | null
  lat?: number | null
  lon?: number | null
  gatewayId?: string | null
  createdAt: number | string
  lastSeen: number | null
  latest: LatestValues
  status: DeviceStatus
  openAlerts: number
}

export interface Rule {
  id: string | number
  kind: string
  metric: string | null
  op: 'above' | 'below'
  threshold: number | null
  clear: number | null
  severity: Severity
  label: string
  /** Japanese label, when the rule has one. */
  labelJa?: string
}

export interface DeviceDetail {
  device: {
    id: string
    kind: string
    site: string | null
    lat?: number | null
    lon?: number | null
    gatewayId?: string | null
    createdAt: number | string
    lastSeen: number | null
    status?: DeviceStatus
    openAlerts?: number
  }
  latest: LatestValues
  rules: Rule[]
}

export interface RawPoint {
  ts: number
  value: number
  /** e.g. `maintenance`: taken while a maintenance window was open. */
  quality?: string
}

export interface BucketPoint {
  ts: number
  min: number
  max: number
  avg: number
  last: number
  count: number
}

export interface Readings {
  deviceId: string
  metric: string
  unit: string
  from: number | string
  to: number | string
  step: number | null
  points: Array<RawPoint | BucketPoint>
}

export interface Alert {
  id: string | number
  ruleId: string | number
  deviceId: string
  kind: string
  site: string | null
  metric: string | null
  severity: Severity
  /** `acknowledged` may come as a state or as `acknowledgedAt` on a raised alert. */
  state: 'raised' | 'acknowledged' | 'cleared'
  message: string
  value: number | null
  threshold: number | null
  raisedAt: number | string
  clearedAt: number | string | null
  type?: string
  acknowledgedAt?: number | string | null
  acknowledgedBy?: string | null
  ackNote?: string | null
  historical?: boolean
  evidence?: AlertEvidence | null
}

/** What an alert rests on (ingest/alerts/evidence.ts); every field optional for older servers. */
export interface AlertEvidence {
  unit?: string
  stage?: string
  trend?: Array<{ ts: number; value: number }>
  rate?: { value: number; threshold: number; perMs: number; unit: string }
  forecast?: { target: number; etaMs: number; reachesAt: number; ratePerHour: number }
  image?: { deviceId: string; captureTs: number; url: string; offsetMs: number }
}

export interface ReadingFrame {
  deviceId: string
  ts: number
  seq: number
  m: Record<string, number>
}

export type AlertEventName = 'raised' | 'acknowledged' | 'escalated' | 'cleared'

export interface AlertEvent {
  event: AlertEventName
  alert: Alert
}

export interface CameraImage {
  captureTs: number
  receivedAt: number
  bytes: number
  url: string
}
