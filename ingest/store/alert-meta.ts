/**
 * Records of the alert side of the metadata store beyond the first cut (meta-store.ts): rule
 * specs, per-site/device settings, contact groups, subscriptions, maintenance windows, the audit
 * log and notification dead letters. JSON-shaped parts are `unknown` here: the alert layer
 * validates them with its zod schemas when it reads them (ingest/alerts/rule-spec.ts).
 */

/** A stored rule: the validated spec as JSON (or, for a row from before specs, built from its columns). */
export interface StoredRuleSpec {
  id: string
  spec: unknown
  updatedAt: number | null
  updatedBy: string | null
}

export interface StoredSettings {
  scope: 'site' | 'device'
  target: string
  settings: unknown
  updatedAt: number
  updatedBy: string | null
}

export interface StoredContactGroup {
  id: string
  spec: unknown
  updatedAt: number
  updatedBy: string | null
}

export interface StoredSubscription {
  username: string
  spec: unknown
  updatedAt: number
}

export interface MaintenanceWindow {
  id: number
  scope: 'device' | 'site'
  /** A device id or a site name. */
  target: string
  startsAt: number
  /** Open-ended until closed when null. */
  endsAt: number | null
  reason: string
  openedBy: string
  openedAt: number
  closedBy: string | null
  closedAt: number | null
}

export type NewMaintenanceWindow = Omit<MaintenanceWindow, 'id' | 'closedBy' | 'closedAt'>

export interface AuditEntry {
  id: number
  at: number
  actor: string
  /** e.g. `rule.update`, `maintenance.open`, `alert.ack` */
  action: string
  target: string
  detail: unknown
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>

export interface NotificationDeadLetter {
  id: number
  at: number
  alertId: number
  event: string
  channel: string
  /** Where it was going (address, LINE id, URL); no secrets. */
  target: string
  attempts: number
  error: string
  payload: unknown
}

export type NewNotificationDeadLetter = Omit<NotificationDeadLetter, 'id'>

/** Changes to an alert after it was raised (the state and clear time go through `clearAlert`). */
export interface AlertPatch {
  acknowledgedAt?: number
  acknowledgedBy?: string
  ackNote?: string | null
  escalationLevel?: number
  historical?: boolean
  evidence?: unknown
}

export interface AlertQuery {
  state?: 'raised' | 'cleared'
  /** Open alerts only: true = acknowledged, false = not yet. */
  acknowledged?: boolean
  site?: string
  /** Device kind (`paddy`, `reservoir`, `rail`, or `gateway` for group incidents). */
  kind?: string
  /** Rule type (`threshold`, `rate`, `forecast`, `silence`, `battery`, `fault`, `gateway`). */
  type?: string
  severities?: readonly string[]
  deviceId?: string
  ruleId?: string
  /** Alerts whose life overlaps [from, to] (epoch ms). */
  from?: number
  to?: number
  historical?: boolean
  limit: number
}

export interface AlertConfigStore {
  listRuleSpecs(): Promise<StoredRuleSpec[]>
  upsertRuleSpec(id: string, spec: Record<string, unknown>, actor: string | null, at: number): Promise<void>
  deleteRule(id: string): Promise<boolean>
  /** Default rule ids ever seeded, so a default an operator deleted is not seeded again. */
  seenDefaultRules(): Promise<Set<string>>
  markDefaultRulesSeen(ids: readonly string[]): Promise<void>

  listAlertSettings(): Promise<StoredSettings[]>
  putAlertSettings(entry: StoredSettings): Promise<void>
  deleteAlertSettings(scope: 'site' | 'device', target: string): Promise<boolean>

  listContactGroups(): Promise<StoredContactGroup[]>
  putContactGroup(group: StoredContactGroup): Promise<void>
  deleteContactGroup(id: string): Promise<boolean>

  listSubscriptions(): Promise<StoredSubscription[]>
  putSubscription(subscription: StoredSubscription): Promise<void>
  deleteSubscription(username: string): Promise<boolean>
}

export interface MaintenanceStore {
  addMaintenanceWindow(window: NewMaintenanceWindow): Promise<MaintenanceWindow>
  /** Sets the end to `at` (and who closed it); false when no open window has this id. */
  closeMaintenanceWindow(id: number, at: number, by: string): Promise<MaintenanceWindow | undefined>
  /** Windows overlapping [from, to]; without bounds, all. Newest first. */
  listMaintenanceWindows(filter: { from?: number; to?: number; limit: number }): Promise<MaintenanceWindow[]>
}

export interface AuditStore {
  addAudit(entry: NewAuditEntry): Promise<void>
  listAudit(filter: { limit: number; action?: string; target?: string }): Promise<AuditEntry[]>
}

export interface NotificationDeadLetterStore {
  addNotificationDeadLetter(letter: NewNotificationDeadLetter): Promise<void>
  listNotificationDeadLetters(limit: number): Promise<NotificationDeadLetter[]>
}
