import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './processes.js'

export const VICTORIA_METRICS = '/usr/bin/victoria-metrics'

export interface VictoriaMetrics {
  url: string
  port: number
  dataDir: string
  /** Makes everything written so far searchable (VictoriaMetrics indexes with a ~1 s delay). */
  forceFlush(): Promise<void>
  /** SIGSTOP: the port still accepts connections but nothing answers (a hung TSDB). */
  pause(): void
  resume(): void
  /** Stops the process (SIGTERM flushes to disk; SIGKILL does not) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Starts again on the same data directory and port. */
  restart(): Promise<void>
  stderr(): string
}

/**
 * Runs Debian's victoria-metrics 1.79 on 127.0.0.1. `-dedup.minScrapeInterval=1ms` makes it keep
 * one sample per series and millisecond, like InfluxDB's series + timestamp key (see
 * docs/storage-tsdb.md); `-retentionPeriod=100y` so tests may write any recent timestamp.
 */
export async function startVictoriaMetrics(dataDir: string): Promise<VictoriaMetrics> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let stderr = ''

  async function launch() {
    const proc = spawn(
      VICTORIA_METRICS,
      [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=100y',
        '-dedup.minScrapeInterval=1ms',
        '-loggerLevel=WARN',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000)
    })
    exited = new Promise((resolve) => proc.once('exit', () => resolve()))
    child = proc
    const deadline = Date.now() + 20_000
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`victoria-metrics exited ${proc.exitCode}: ${stderr}`)
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return
      if (Date.now() > deadline) throw new Error(`victoria-metrics did not become healthy: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  await launch()
  const vm: VictoriaMetrics = {
    url,
    port,
    dataDir,
    async forceFlush() {
      const response = await fetch(`${url}/internal/force_flush`)
      if (!response.ok) throw new Error(`force_flush answered ${response.status}`)
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async stop(signal = 'SIGTERM') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGCONT') // a stopped process would never handle SIGTERM
      child.kill(signal)
      await exited
    },
    async restart() {
      await vm.stop()
      await launch()
    },
    stderr: () => stderr,
  }
  return vm
}
