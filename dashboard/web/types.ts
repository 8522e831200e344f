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
}

export interface LoginResult {
  token: string
  user: User
  expiresAt: number | string
}

export interface Me extends User {
  demo: boolean
}

export interface DeviceSummary {
  id: string
  kind: string
  site: string | null
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
    createdAt: number | string
    lastSeen: number | null
  }
  latest: LatestValues
  rules: Rule[]
}

export interface RawPoint {
  ts: number
  value: number
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
  state: 'raised' | 'cleared'
  message: string
  value: number | null
  threshold: number | null
  raisedAt: number | string
  clearedAt: number | string | null
}

export interface ReadingFrame {
  deviceId: string
  ts: number
  seq: number
  m: Record<string, number>
}

export interface AlertEvent {
  event: 'raised' | 'cleared'
  alert: Alert
}
