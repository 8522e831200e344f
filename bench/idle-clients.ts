/**
 * Idle device connections for bench/scale.ts, in a child process so each generator stays under the
 * open-file limit: opens one raw MQTT connection per device from `localAddress`, holds it, and
 * (with `reconnect`) reconnects a dropped one every second, as a device would after a restart.
 * IPC in: { devices, host, port, localAddress, reconnect }, 'status', 'close'. Out: { connected }.
 */
import { LoadConnection, type LoadCounters } from '../simulators/load/connection.js'
import { createLatencyHistogram } from '../simulators/load/latency.js'

interface Setup {
  devices: Array<{ deviceId: string; password: string }>
  host: string
  port: number
  localAddress?: string
  reconnect: boolean
}

const counters: LoadCounters = { sent: 0, acked: 0, errors: 0, latency: createLatencyHistogram() }
let connections: LoadConnection[] = []
const connecting = new Set<number>()
let setup: Setup | undefined
let closing = false

function open(i: number): Promise<void> {
  const s = setup as Setup
  const d = s.devices[i] as { deviceId: string; password: string }
  const conn = new LoadConnection({
    host: s.host,
    port: s.port,
    tls: false,
    ...(s.localAddress ? { localAddress: s.localAddress } : {}),
    deviceId: d.deviceId,
    password: d.password,
    keepaliveS: 900,
    qos: 1,
    window: 1,
    topic: `v1/devices/${d.deviceId}/telemetry`,
    payload: () => '{}',
    counters,
    connectTimeoutMs: 15_000,
  })
  connections[i] = conn
  connecting.add(i)
  return conn.connect().then(
    () => {
      connecting.delete(i)
    },
    () => {
      connecting.delete(i)
    },
  )
}

const connected = () => connections.filter((c) => c?.alive).length

async function start(s: Setup) {
  setup = s
  connections = new Array(s.devices.length)
  let next = 0
  const worker = async () => {
    while (next < s.devices.length) await open(next++)
  }
  await Promise.all(Array.from({ length: 200 }, worker))
  process.send?.({ connected: connected() })
  if (!s.reconnect) return
  // a device retries once a second; the first try right after the drop is one of those ticks
  setInterval(() => {
    if (closing) return
    for (let i = 0; i < connections.length; i++) {
      if (!connections[i]?.alive && !connecting.has(i)) void open(i)
    }
  }, 1000)
}

process.on('message', (msg: Setup | string) => {
  if (typeof msg === 'object') void start(msg)
  else if (msg === 'status') process.send?.({ connected: connected() })
  else if (msg === 'close') {
    closing = true
    void Promise.all(connections.map((c) => c?.close())).then(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(0))
