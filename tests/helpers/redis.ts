import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './processes.js'

export const REDIS_SERVER = '/usr/bin/redis-server'

export interface RedisServer {
  url: string
  port: number
  stop(): Promise<void>
}

/**
 * Runs Debian's redis-server on 127.0.0.1 and a free port, in memory only (no RDB/AOF files), so
 * it never touches the system instance the package may have started.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  let stderr = ''
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const collect = (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-10_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  while (!stderr.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${stderr}`)
    if (Date.now() > deadline) throw new Error(`redis-server did not start: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
