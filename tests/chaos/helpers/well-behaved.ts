/**
 * A well-behaved device next to an attack: publishes QoS 1 telemetry one message at a time and
 * records publish → PUBACK round trips, and whether it was ever disconnected.
 */
import mqtt from 'mqtt'
import { telemetryTopic } from '../../../firmware-contracts/index.js'

export interface WellBehaved {
  /** Round trips (ms) since the last `mark()`. */
  mark(): number[]
  stop(): Promise<{ sent: number; acked: number; disconnects: number; rtts: number[] }>
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

export async function startWellBehaved(
  url: string,
  deviceId: string,
  password: string,
  options: { metric: string; intervalMs?: number },
): Promise<WellBehaved> {
  const client = await mqtt.connectAsync(url, {
    clientId: deviceId,
    username: deviceId,
    password,
    reconnectPeriod: 1000,
    clean: true,
  })
  let disconnects = 0
  client.on('close', () => disconnects++)
  client.on('error', () => {})
  let running = true
  let sent = 0
  let acked = 0
  const rtts: number[] = []
  let since = 0
  const t0 = Date.now()
  const loop = (async () => {
    for (let seq = 0; running; seq++) {
      const payload = JSON.stringify({ ts: t0 + seq, seq, m: { [options.metric]: 5 } })
      const started = performance.now()
      sent++
      try {
        await client.publishAsync(telemetryTopic(deviceId), payload, { qos: 1 })
        acked++
        rtts.push(performance.now() - started)
      } catch {
        // counted as sent and not acked
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 20))
    }
  })()
  return {
    mark() {
      const out = rtts.slice(since)
      since = rtts.length
      return out
    },
    async stop() {
      running = false
      await loop
      await client.endAsync()
      return { sent, acked, disconnects: disconnects - 1, rtts }
    },
  }
}
