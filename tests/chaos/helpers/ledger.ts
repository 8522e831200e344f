/**
 * mqtt.js publishers with persistent sessions at QoS 1 that write each PUBACKed (device, seq)
 * into a ledger, and the verifier: stored ⊇ ledger, no duplicate rows (RELIABILITY.md conventions).
 */
import mqtt, { type MqttClient } from 'mqtt'
import { telemetryTopic } from '../../../firmware-contracts/index.js'
import { openDuckDb } from '../../../ingest/store/duckdb/database.js'

export interface LedgerRun {
  /** `${deviceId}:${seq}` of every PUBACKed reading. */
  acked: Set<string>
  sent(): number
  /** Publishes mqtt.js gave up on (not acknowledged, so not in the ledger). */
  rejected(): number
  /** Stops publishing new readings, waits (bounded) for the ones in flight, closes the clients. */
  stop(drainMs?: number): Promise<{ unacked: number }>
}

export interface LedgerOptions {
  url: string
  devices: Map<string, string>
  /** Metric written per reading (one metric → one row per reading in DuckDB). */
  metric: string
  /** Unacknowledged messages per client. */
  window?: number
  /** Stop after this many readings per device. */
  perDevice: number
  /** First timestamp; reading `seq` has ts = t0 + seq * stepMs, distinct per device. */
  t0: number
  stepMs?: number
  /** Pause between publishes per device, to hold a moderate rate. */
  pauseMs?: number
}

export function startLedgerPublishers(o: LedgerOptions): LedgerRun {
  const acked = new Set<string>()
  let sent = 0
  let rejected = 0
  let stopping = false
  const clients: MqttClient[] = []
  const window = o.window ?? 10
  const step = o.stepMs ?? 1000
  const loops = [...o.devices].map(async ([id, password]) => {
    // persistent session + automatic reconnect: unacknowledged messages are resent with DUP
    const client = mqtt.connect(o.url, {
      clientId: id,
      username: id,
      password,
      clean: false,
      reconnectPeriod: 250,
      connectTimeout: 10_000,
      keepalive: 30,
    })
    client.on('error', () => {}) // refused while the server is down: it retries
    clients.push(client)
    const inFlight = new Set<Promise<unknown>>()
    for (let seq = 0; seq < o.perDevice && !stopping; seq++) {
      const payload = JSON.stringify({ ts: o.t0 + seq * step, seq, m: { [o.metric]: (seq % 80) / 2 } })
      const p: Promise<unknown> = client.publishAsync(telemetryTopic(id), payload, { qos: 1 }).then(
        () => {
          acked.add(`${id}:${seq}`)
          inFlight.delete(p)
        },
        () => {
          rejected++
          inFlight.delete(p)
        },
      )
      inFlight.add(p)
      sent++
      while (inFlight.size >= window && !stopping) await Promise.race(inFlight)
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs))
    }
    return inFlight
  })
  return {
    acked,
    sent: () => sent,
    rejected: () => rejected,
    async stop(drainMs = 60_000) {
      stopping = true
      const pending = await Promise.all(loops)
      const all = pending.flatMap((s) => [...s])
      await Promise.race([Promise.allSettled(all), new Promise((r) => setTimeout(r, drainMs))])
      const unacked = pending.reduce((n, s) => n + s.size, 0)
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})))
      return { unacked }
    },
  }
}

export interface Verdict {
  storedDistinct: number
  rows: number
  duplicates: number
  lost: string[]
}

/** Opens the (stopped) server's DuckDB file and compares it with the ledger. */
export async function verifyDuckDb(dbFile: string, acked: Set<string>): Promise<Verdict> {
  const db = await openDuckDb(dbFile)
  try {
    const rows = await db.all<{ device_id: string; seq: number; n: number }>(
      'SELECT device_id, seq::DOUBLE AS seq, count(*)::DOUBLE AS n FROM readings GROUP BY device_id, seq',
    )
    const stored = new Set(rows.map((r) => `${r.device_id}:${r.seq}`))
    return {
      storedDistinct: stored.size,
      rows: rows.reduce((s, r) => s + r.n, 0),
      duplicates: rows.reduce((s, r) => s + (r.n - 1), 0),
      lost: [...acked].filter((k) => !stored.has(k)),
    }
  } finally {
    await db.close()
  }
}
