/**
 * Scale: memory per idle device connection of the all-in-one server at 10k and 15k connections,
 * and the time 10k devices need to reconnect after the server restarts on its persistent data
 * directory. Clients come from child processes (each under the open-file limit) spread over
 * 127.0.0.1, .2, .3: one source address runs out of ports to one broker port near 28k.
 */
import { type ChildProcess, fork } from 'node:child_process'
import type { LoadDevice } from '../simulators/load/load.js'
import { GENERATOR_CPU, type MimamoriServer, pin, rssMb, sleep, startMimamori } from './common.js'

export const PER_CLIENT_PROCESS = 5000

export interface ScaleResult {
  /** The open-file limit (hard) of this machine: the ceiling for one process. */
  fileLimit: string
  baseRssMb: number
  points: Array<{ connections: number; rssMb: number; perConnectionKb: number }>
  restart?: { stopS: number; startS: number; reconnectS: number; totalS: number; reconnected: number }
}

interface Clients {
  child: ChildProcess
  connected(): Promise<number>
  close(): Promise<void>
}

async function clients(
  server: MimamoriServer,
  devices: readonly LoadDevice[],
  localAddress: string,
  reconnect: boolean,
): Promise<Clients> {
  const child = fork(new URL('./idle-clients.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  pin(child.pid, GENERATOR_CPU)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const status = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { connected: number }) => resolve(m.connected))
      child.send('status')
    })
  const first = new Promise<number>((resolve) =>
    child.once('message', (m: { connected: number }) => resolve(m.connected)),
  )
  child.send({
    devices: devices.map((d) => ({ deviceId: d.deviceId, password: d.password })),
    host: '127.0.0.1',
    port: Number(server.env.MQTT_PORT),
    localAddress,
    reconnect,
  })
  await first
  return {
    child,
    connected: status,
    async close() {
      child.send('close')
      await Promise.race([exited, sleep(10_000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

/** Splits devices over client processes of ≤ PER_CLIENT_PROCESS, each on its own 127.0.0.x. */
async function openClients(
  server: MimamoriServer,
  devices: readonly LoadDevice[],
  firstAddress: number,
  reconnect: boolean,
): Promise<Clients[]> {
  const out: Clients[] = []
  for (let i = 0; i < devices.length; i += PER_CLIENT_PROCESS) {
    const address = `127.0.0.${firstAddress + i / PER_CLIENT_PROCESS}`
    out.push(await clients(server, devices.slice(i, i + PER_CLIENT_PROCESS), address, reconnect))
  }
  return out
}

const total = async (groups: Clients[]) =>
  (await Promise.all(groups.map((g) => g.connected()))).reduce((a, b) => a + b, 0)

export async function benchScale(
  log: (line: string) => void,
  options: { dataDir: string; devices: readonly LoadDevice[]; steps: number[]; reconnectDevices: number },
): Promise<ScaleResult> {
  const env = {
    // the broker's default per-address connect rate limit exempts 127.0.0.1 only; all of these are this host
    MQTT_CONN_RATE_EXEMPT: '127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,::1,::ffff:127.0.0.1',
    MQTT_MAX_CONNECTIONS: '19000',
  }
  let fileLimit = 'unknown'
  try {
    const { execFileSync } = await import('node:child_process')
    fileLimit = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()
  } catch {}
  let server = await startMimamori({ dataDir: options.dataDir, env })
  const groups: Clients[] = []
  try {
    await sleep(3000)
    const baseRssMb = rssMb(server.pid)
    log(
      `  server RSS with no device connected: ${baseRssMb.toFixed(0)} MB (open-file hard limit ${fileLimit})`,
    )
    const points: ScaleResult['points'] = []
    let opened = 0
    for (const step of options.steps) {
      const more = options.devices.slice(opened, step)
      groups.push(
        ...(await openClients(
          server,
          more,
          1 + opened / PER_CLIENT_PROCESS,
          step === options.reconnectDevices,
        )),
      )
      opened = step
      await sleep(5000)
      const connected = await total(groups)
      const rss = rssMb(server.pid)
      const perConnectionKb = ((rss - baseRssMb) * 1024) / connected
      points.push({ connections: connected, rssMb: rss, perConnectionKb })
      log(
        `  ${connected.toLocaleString()} idle connections: server RSS ${rss.toFixed(0)} MB, ${perConnectionKb.toFixed(1)} KB per connection`,
      )
    }
    // restart with the first reconnectDevices devices still trying (the others leave first)
    const keep = Math.ceil(options.reconnectDevices / PER_CLIENT_PROCESS)
    for (const g of groups.splice(keep)) await g.close()
    if (groups.length === 0) return { fileLimit, baseRssMb, points }
    const before = await total(groups)
    let t = performance.now()
    await server.stop()
    const stopS = (performance.now() - t) / 1000
    t = performance.now()
    server = await startMimamori({ dataDir: options.dataDir, env: { ...server.env } })
    const startS = (performance.now() - t) / 1000
    const ready = performance.now()
    let reconnected = 0
    while (performance.now() - ready < 120_000) {
      reconnected = await total(groups)
      if (reconnected >= before) break
      await sleep(100)
    }
    const reconnectS = (performance.now() - ready) / 1000
    const restart = { stopS, startS, reconnectS, totalS: startS + reconnectS, reconnected }
    log(
      `  restart with ${before.toLocaleString()} devices connected: stop ${stopS.toFixed(1)} s, start ${startS.toFixed(1)} s, ` +
        `${reconnected.toLocaleString()} reconnected ${reconnectS.toFixed(1)} s after start (${restart.totalS.toFixed(1)} s from restart)`,
    )
    return { fileLimit, baseRssMb, points, restart }
  } finally {
    await Promise.all(groups.map((g) => g.close()))
    await server.dispose()
  }
}
