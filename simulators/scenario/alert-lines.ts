import type { DeviceKind } from '../../firmware-contracts/index.js'
import type { TimelineEvent } from './timeline.js'

/** A threshold rule as the scenarios assume it (the shape of ingest/alerts/default-rules.json). */
export interface AlertLine {
  id: string
  kind: DeviceKind
  metric: string
  op: 'above' | 'below'
  threshold: number
  clear: number
  severity: 'info' | 'watch' | 'warning' | 'critical'
}

/**
 * The default threshold rules the built-in scenarios are drawn against: a copy of
 * `ingest/alerts/default-rules.json`, because simulators import only the contracts. A unit test
 * compares the two, so a change to the defaults fails it until the scenarios are checked again.
 */
export const ASSUMED_ALERT_RULES: readonly AlertLine[] = [
  {
    id: 'paddy-too-shallow',
    kind: 'paddy',
    metric: 'water_depth_cm',
    op: 'below',
    threshold: 3,
    clear: 4,
    severity: 'warning',
  },
  {
    id: 'paddy-too-deep',
    kind: 'paddy',
    metric: 'water_depth_cm',
    op: 'above',
    threshold: 15,
    clear: 13,
    severity: 'watch',
  },
  {
    id: 'reservoir-level-high',
    kind: 'reservoir',
    metric: 'water_level_m',
    op: 'above',
    threshold: 9,
    clear: 8.8,
    severity: 'warning',
  },
  {
    id: 'rail-watch',
    kind: 'rail',
    metric: 'rail_temp_c',
    op: 'above',
    threshold: 50,
    clear: 48,
    severity: 'watch',
  },
  {
    id: 'rail-action',
    kind: 'rail',
    metric: 'rail_temp_c',
    op: 'above',
    threshold: 60,
    clear: 57,
    severity: 'critical',
  },
]

/** One alert the timeline's readings would raise (and maybe clear) under threshold rules. */
export interface Crossing {
  deviceId: string
  rule: string
  severity: AlertLine['severity']
  /** Simulated time the raising reading was measured at. */
  raisedAt: number
  clearedAt?: number
  /** Raised by a reading that arrived in a backfill batch. */
  late: boolean
}

/**
 * Replays the readings of a timeline through threshold rules with hysteresis, per device in
 * measurement order (as ingest evaluates backfill in ts order), once per (seq, ts). Used by
 * the tests and `simulate scenario --dry-run` to check a scenario against its expectedAlerts.
 * @example thresholdCrossings(scenarioReadings(scenario)).map((c) => c.rule)
 */
export function thresholdCrossings(
  events: Iterable<TimelineEvent>,
  rules: readonly AlertLine[] = ASSUMED_ALERT_RULES,
): Crossing[] {
  const perDevice = new Map<
    string,
    { kind: DeviceKind; samples: Array<{ at: number; late: boolean; m: Record<string, number> }> }
  >()
  const seen = new Set<string>()
  for (const e of events) {
    if (e.type !== 'telemetry') continue
    const entry = perDevice.get(e.deviceId) ?? { kind: e.kind, samples: [] }
    perDevice.set(e.deviceId, entry)
    e.readings.forEach((r, i) => {
      const key = `${e.deviceId}/${r.seq}/${r.ts}`
      if (seen.has(key)) return
      seen.add(key)
      entry.samples.push({ at: e.measured[i] ?? r.ts, late: e.batch, m: r.m })
    })
  }
  const crossings: Crossing[] = []
  for (const [deviceId, { kind, samples }] of perDevice) {
    samples.sort((a, b) => a.at - b.at)
    for (const rule of rules.filter((r) => r.kind === kind)) {
      let open: Crossing | undefined
      for (const s of samples) {
        const value = s.m[rule.metric]
        if (value === undefined) continue
        const past = rule.op === 'above' ? value > rule.threshold : value < rule.threshold
        const back = rule.op === 'above' ? value < rule.clear : value > rule.clear
        if (!open && past) {
          open = { deviceId, rule: rule.id, severity: rule.severity, raisedAt: s.at, late: s.late }
          crossings.push(open)
        } else if (open && back) {
          open.clearedAt = s.at
          open = undefined
        }
      }
    }
  }
  return crossings.sort((a, b) => a.raisedAt - b.raisedAt)
}
