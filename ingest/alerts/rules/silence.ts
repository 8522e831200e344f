/** Intervals kept per device to learn its cadence. */
const LEARN_DELTAS = 16
const DAY = 86_400_000

export interface CadenceState {
  /**
   * Wall time the device was last heard from (arrival, not its own clock: skew cannot fake
   * silence); NaN before it was.
   */
  lastArrival: number
  /** ts of its newest reading; -Infinity before the first. */
  lastTs: number
  /** Recent intervals between consecutive reading times. */
  deltas: number[]
}

/**
 * Numbers, never null, as in threshold.ts's `initialHold`: V8 updates such fields in place instead
 * of boxing every reading's time in a new object.
 */
export const initialCadence = (lastArrival = Number.NaN): CadenceState => ({
  lastArrival,
  lastTs: Number.NEGATIVE_INFINITY,
  deltas: [],
})

/**
 * Records one reading: when it arrived, and (when newer than the last) the interval it reveals.
 * Updates `state` in place and returns it (this runs for every reading on the ingest path).
 */
export function observeCadence(state: CadenceState, ts: number, arrivedAt: number): CadenceState {
  if (!(state.lastArrival >= arrivedAt)) state.lastArrival = arrivedAt // also when NaN
  if (ts <= state.lastTs) return state
  if (ts - state.lastTs <= DAY) {
    state.deltas.push(ts - state.lastTs)
    if (state.deltas.length > LEARN_DELTAS) state.deltas.shift()
  }
  state.lastTs = ts
  return state
}

/** Scratch for `median`: the silence check runs it for every device (a copy and a sort each was ~40 % of a 10k-device check). */
const sorted = new Float64Array(LEARN_DELTAS)

/** Median of at most LEARN_DELTAS values, by insertion sort into `sorted`. */
function median(values: readonly number[]): number {
  const n = Math.min(values.length, LEARN_DELTAS)
  for (let i = 0; i < n; i++) {
    const v = values[i] as number
    let j = i
    while (j > 0 && (sorted[j - 1] as number) > v) {
      sorted[j] = sorted[j - 1] as number
      j--
    }
    sorted[j] = v
  }
  const mid = n >> 1
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * The interval a device is expected to report at: configured, else learned (median of its recent
 * intervals, so an outage gap or a burst does not move it), else the rule's fallback.
 */
export function expectedInterval(
  state: CadenceState,
  opts: { configured?: number; fallback: number; minInterval: number },
): { intervalMs: number; source: 'configured' | 'learned' | 'default' } {
  if (opts.configured !== undefined) return { intervalMs: opts.configured, source: 'configured' }
  if (state.deltas.length >= 3)
    return { intervalMs: Math.max(median(state.deltas), opts.minInterval), source: 'learned' }
  return { intervalMs: opts.fallback, source: 'default' }
}

/**
 * Silence after `missedReports` expected reports did not come; half an interval of slack absorbs
 * jitter, so a device reporting every 10 min is silent for 3 missed reports after 35 min.
 * @example silence(state, now, 600_000, 3) // { silent: true, missed: 3, silentForMs: 2_160_000 }
 */
export function silence(
  state: CadenceState,
  now: number,
  intervalMs: number,
  missedReports: number,
): { silent: boolean; missed: number; silentForMs: number } {
  if (Number.isNaN(state.lastArrival)) return { silent: false, missed: 0, silentForMs: 0 }
  const silentForMs = Math.max(0, now - state.lastArrival)
  return {
    silent: silentForMs > (missedReports + 0.5) * intervalMs,
    missed: Math.floor(silentForMs / intervalMs),
    silentForMs,
  }
}

export type SilenceCause = 'device' | 'battery' | 'link'

export interface SilentDevice {
  deviceId: string
  gatewayId: string | null
  /** Its last battery reading was under the battery-low line. */
  batteryLow: boolean
}

export interface GroupInput {
  /** Devices whose silence is due now. */
  silent: readonly SilentDevice[]
  /** All devices of a gateway. */
  devicesOf(gatewayId: string): readonly string[]
  /** No report for more than 1.5 of its intervals (silent soon): a sibling that is quiet is not alive. */
  quiet(deviceId: string): boolean
  /** Since when the gateway's own status says `offline` (null = online or unknown). */
  offlineSince(gatewayId: string): number | null
  now: number
  graceMs: number
  minSilentDevices: number
  /** Gateways whose status says offline, silent devices or not: past the grace they are an incident at once. */
  offlineGateways?: readonly string[]
}

export interface GatewayIncident {
  gatewayId: string
  /** Devices already past their silence limit. */
  silent: string[]
  /** Every device behind the gateway. */
  total: number
  reason: 'gateway_offline' | 'all_silent'
}

/**
 * Tells "link down" from "sensor dead": devices behind a gateway that is offline (its status, past
 * a grace period), or that all fell quiet together, form one incident for the gateway instead of
 * one alarm each. A device whose siblings still report is dead on its own (or its battery is). A
 * device whose siblings are quiet but not yet past their limit waits one check, so the group can
 * form rather than the first device alarming alone.
 */
export function groupSilence(input: GroupInput): {
  incidents: GatewayIncident[]
  individual: Array<{ deviceId: string; cause: SilenceCause }>
  waiting: string[]
} {
  const byGateway = new Map<string, SilentDevice[]>()
  const individual: Array<{ deviceId: string; cause: SilenceCause }> = []
  const waiting: string[] = []
  for (const device of input.silent) {
    if (!device.gatewayId)
      individual.push({ deviceId: device.deviceId, cause: device.batteryLow ? 'battery' : 'device' })
    else byGateway.set(device.gatewayId, [...(byGateway.get(device.gatewayId) ?? []), device])
  }
  const incidents: GatewayIncident[] = []
  for (const [gatewayId, silent] of byGateway) {
    const all = input.devicesOf(gatewayId)
    const offline = input.offlineSince(gatewayId)
    const siblingsAlive = all.some((id) => !silent.some((s) => s.deviceId === id) && !input.quiet(id))
    if (offline !== null && input.now - offline >= input.graceMs) {
      incidents.push({
        gatewayId,
        silent: silent.map((s) => s.deviceId),
        total: all.length,
        reason: 'gateway_offline',
      })
    } else if (!siblingsAlive && silent.length >= input.minSilentDevices && silent.length === all.length) {
      incidents.push({
        gatewayId,
        silent: silent.map((s) => s.deviceId),
        total: all.length,
        reason: 'all_silent',
      })
    } else if (!siblingsAlive && all.length >= input.minSilentDevices && offline === null) {
      waiting.push(...silent.map((s) => s.deviceId))
    } else if (offline !== null) {
      // offline, but not for the grace period yet: the incident is about to form
      waiting.push(...silent.map((s) => s.deviceId))
    } else {
      for (const s of silent)
        individual.push({ deviceId: s.deviceId, cause: s.batteryLow ? 'battery' : 'device' })
    }
  }
  for (const gatewayId of input.offlineGateways ?? []) {
    const offline = input.offlineSince(gatewayId)
    if (byGateway.has(gatewayId) || offline === null || input.now - offline < input.graceMs) continue
    const total = input.devicesOf(gatewayId).length
    if (total > 0) incidents.push({ gatewayId, silent: [], total, reason: 'gateway_offline' })
  }
  return { incidents, individual, waiting }
}
