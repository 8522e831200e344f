import type { Logger } from 'pino'
import type { AlertStore, ImageRecord, Severity } from '../store/meta-store.js'
import type { AlertEvidence } from './evidence.js'
import type { Notifier } from './notifier.js'

/** The words and escalation of a rule, as an alert needs them. */
export interface RuleInfo {
  id: string
  type: string
  severity: Severity
  label: string
  labelJa: string
  action?: string | undefined
  actionJa?: string | undefined
  escalation?: { groups: string[]; afterMs: number } | undefined
}

export interface RaiseRequest {
  rule: RuleInfo
  subjectId: string
  subject: 'device' | 'gateway'
  kind: string
  site: string | null
  metric: string
  at: number
  value: number
  threshold: number
  evidence: AlertEvidence
  /** Raised by a late reading: pushed only if still open after the grace period. */
  late: boolean
  /** Camera whose image nearest `at` goes into the evidence. */
  cameraId?: string | undefined
}

export class AlertActionError extends Error {
  constructor(
    readonly code: 'not_found' | 'cleared' | 'acknowledged',
    message: string,
  ) {
    super(message)
  }
}

export interface BookDeps {
  store: AlertStore
  notifiers: readonly Notifier[]
  log: Logger
  now: () => number
  setTimer: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>
  clearTimer: (timer: ReturnType<typeof setTimeout>) => void
  lateGraceMs: number
  images?:
    | { list(deviceId: string, from: number, to: number, limit: number): Promise<ImageRecord[]> }
    | undefined
  imageWindowMs: number
}
