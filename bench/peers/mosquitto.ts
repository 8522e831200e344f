/**
 * Peer (a): Debian's mosquitto as a plain broker, our own instance on a free port with a temp
 * config (never the system service on 1883), plus the raw subscriber that takes everything.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../tests/helpers/processes.js'
import { pin, SUT_CPU, sleep } from '../common.js'

export const MOSQUITTO = '/usr/sbin/mosquitto'
export const mosquittoMissing = () => !existsSync(MOSQUITTO)

export interface Mosquitto {
  port: number
  pid: number | undefined
  url: string
  stop(): Promise<void>
}

/**
 * Debian's defaults except: loopback listener on `port`, anonymous clients allowed (the devices'
 * usernames and passwords are ignored), no persistence file, errors only on stderr, and no limit
 * on the messages in flight or queued to the subscriber (unless `defaultQueues`).
 */
export async function startMosquitto(
  options: {
    cpu?: string /** keep Debian's 20 in flight / 1000 queued per client */
    defaultQueues?: boolean
  } = {},
): Promise<Mosquitto> {
  const cpu = options.cpu ?? SUT_CPU
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-mosquitto-'))
  const port = await freePort()
  const config = join(dir, 'mosquitto.conf')
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'max_connections -1',
      // Debian's defaults (20 in flight, 1000 queued per client) make mosquitto drop nearly all
      // QoS 1 deliveries to a subscriber under overload: it gets one window per event-loop pass
      // over 1000 busy publishers. Unlimited here, so the subscriber receives what was acked.
      ...(options.defaultQueues ? [] : ['max_inflight_messages 0', 'max_queued_messages 0']),
      '',
    ].join('\n'),
  )
  let stderr = ''
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}: ${stderr}`)
    if (await portOpen(port)) break
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen: ${stderr}`)
    await sleep(50)
  }
  pin(child.pid, cpu)
  return {
    port,
    pid: child.pid,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

export interface RawSubscriber {
  pid: number | undefined
  /** Messages received so far and when (epoch ms, fractional). */
  count(): Promise<{ count: number; at: number }>
  stop(): Promise<void>
}

/** Forks bench/peers/raw-subscriber.ts against `port`, pinned to `cpu`; resolves after its SUBACK. */
export async function startRawSubscriber(port: number, qos: 0 | 1, cpu = SUT_CPU): Promise<RawSubscriber> {
  const child = fork(new URL('./raw-subscriber.ts', import.meta.url).pathname, [String(port), String(qos)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw subscriber: no SUBACK')), 60_000)
    child.on('message', (m: { ready?: boolean }) => {
      if (m.ready) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`raw subscriber exited ${code}`)))
  })
  pin(child.pid, cpu)
  return {
    pid: child.pid,
    count: () =>
      new Promise((resolve) => {
        const onMessage = (m: { count?: number; at?: number }) => {
          if (m.count === undefined) return
          child.off('message', onMessage)
          resolve({ count: m.count, at: m.at as number })
        }
        child.on('message', onMessage)
        child.send('count')
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send('stop')
        await Promise.race([exited, sleep(3000)])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    },
  }
}
