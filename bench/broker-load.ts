/**
 * Broker capacity, by hand: `npx tsx bench/broker-load.ts [seconds]`. Not part of `npm test`.
 * Forks the broker alone (bench/broker-server.ts) on one core and drives it from this process on
 * the other with raw sockets and pre-encoded packets (a client library would be the bottleneck):
 * 1. 1000 device connections publishing QoS 0 telemetry at offered rates in steps, up to the
 *    highest the broker keeps up with while its event loop stays responsive;
 * 2. the same at QoS 1 with 16 messages in flight per connection (counted by PUBACKs);
 * 3. 10,000 idle device connections: the broker's RSS and heap per connection.
 */
import { fork } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'

const seconds = Number(process.argv[2] ?? 10)
type Stats = {
  received: number
  at: number
  lagP99Ms: number
  rss: number
  heapUsed: number
  clients: number
}
const out = (line: string) => process.stdout.write(`${line}\n`)

const server = fork(new URL('./broker-server.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
})
const port = await new Promise<number>((resolve) =>
  server.once('message', (m: { port: number }) => resolve(m.port)),
)
const stats = () =>
  new Promise<Stats>((resolve) => {
    server.once('message', (m: { stats: Stats }) => resolve(m.stats))
    server.send('stats')
  })

async function open(id: string, keepalive = 600): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: id,
      username: id,
      password: Buffer.from(`pw-${id}`),
      keepalive,
    }),
  )
  await new Promise<void>((resolve) => socket.once('data', () => resolve())) // CONNACK
  return socket
}

async function openMany(count: number, prefix = 0): Promise<Socket[]> {
  const sockets: Socket[] = []
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, j) => open(`d${prefix + i + j}`)),
    )
    sockets.push(...batch)
  }
  return sockets
}

function publishPacket(id: string, qos: 0 | 1, messageId: number) {
  const payload = `{"ts":${Date.now()},"seq":${messageId},"m":{"water_depth_cm":6.5,"battery_v":3.6}}`
  return mqttPacket.generate({
    cmd: 'publish',
    topic: `v1/devices/${id}/telemetry`,
    payload,
    qos,
    retain: false,
    dup: false,
    ...(qos ? { messageId } : {}),
  } as mqttPacket.IPublishPacket)
}

/** Offered QoS 0 load in steps; the highest step the broker keeps up with (and stays responsive). */
async function qos0(sockets: Socket[]) {
  let best = 0
  for (const rate of [10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 130_000, 160_000]) {
    const perTick = Math.max(1, Math.round(rate / sockets.length / 10)) // 10 ticks per second
    const batches = sockets.map((_, i) =>
      Buffer.concat(Array.from({ length: perTick }, (_, k) => publishPacket(`d${i}`, 0, k))),
    )
    const timer = setInterval(() => {
      sockets.forEach((s, i) => {
        if (s.writableLength < 1_000_000) s.write(batches[i] as Buffer)
      })
    }, 100)
    await new Promise((r) => setTimeout(r, 1000))
    const before = await stats()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const after = await stats()
    clearInterval(timer)
    const received = (after.received - before.received) / ((after.at - before.at) / 1000)
    const offered = perTick * sockets.length * 10
    out(
      `  QoS 0 offered ${fmt(offered)}/s: received ${fmt(received)}/s, event-loop lag p99 ${fmt(after.lagP99Ms)} ms`,
    )
    await new Promise((r) => setTimeout(r, 2000)) // let the backlog drain
    if (received < 0.97 * offered || after.lagP99Ms > 500) break
    best = received
  }
  return best
}

async function qos1(sockets: Socket[], prefix: number, window = 16) {
  let acked = 0
  let running = true
  sockets.forEach((s, i) => {
    let next = 1
    const send = (n: number) => {
      const parts: Buffer[] = []
      for (let k = 0; k < n; k++) {
        parts.push(publishPacket(`d${prefix + i}`, 1, next))
        next = next >= 65535 ? 1 : next + 1
      }
      s.write(Buffer.concat(parts))
    }
    s.on('data', (chunk: Buffer) => {
      const n = chunk.length / 4 // PUBACKs are 4 bytes each
      acked += n
      if (running) send(n)
    })
    send(window)
  })
  await new Promise((r) => setTimeout(r, 2000))
  const start = acked
  const t0 = Date.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const rate = (acked - start) / ((Date.now() - t0) / 1000)
  running = false
  return rate
}

const fmt = (n: number) => Math.round(n).toLocaleString('en')
const publishers = await openMany(1000)
const r0 = await qos0(publishers)
out(`QoS 0, 1000 publishers: ${fmt(r0)} msg/s sustained (broker alone, received by its ingest port)`)
for (const s of publishers) s.destroy()
await new Promise((r) => setTimeout(r, 2000))
const again = await openMany(1000, 1000)
const r1 = await qos1(again, 1000)
out(`QoS 1, 1000 publishers, 16 in flight each: ${fmt(r1)} msg/s acknowledged`)
for (const s of again) s.destroy()
await new Promise((r) => setTimeout(r, 3000))

await stats()
const base = await stats()
const idle = await openMany(10_000, 2000)
await new Promise((r) => setTimeout(r, 3000))
await stats()
const loaded = await stats()
out(
  `10,000 idle connections: ${loaded.clients} clients, RSS +${fmt((loaded.rss - base.rss) / 1e6)} MB ` +
    `(${fmt((loaded.rss - base.rss) / 10_000)} B each), heap +${fmt((loaded.heapUsed - base.heapUsed) / 10_000)} B each`,
)
for (const s of idle) s.destroy()
server.send('stop')
