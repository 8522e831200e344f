/**
 * `runLoad` in a forked process of its own, pinned to the generator's core. The latency bench uses
 * it: the bench's own process provisions devices and counts rows with DuckDB, and a generator
 * running in a process that had used DuckDB made the server's 10k latency p99 several times worse
 * (84–536 ms pooled in six runs, against 23–46 ms from a fresh process), for reasons not yet
 * understood (docs/benchmarks.md). A fleet of real devices shares no process with a database. The
 * throughput sections still run `runLoad` in the bench's process: one flat-out QoS 0 round with a
 * forked generator read far more and stored less per second (80,814/s against 92,640/s in the run
 * before), too few runs to switch them over.
 */
import { fork } from 'node:child_process'
import type { LoadOptions, LoadProgress, LoadSummary } from '../simulators/load/load.js'
import { GENERATOR_CPU, pin } from './common.js'

type Reply =
  | { ready: true }
  | { progress: LoadProgress }
  | { log: string }
  | { summary: LoadSummary }
  | { failed: string }

/** Same options and summary as `runLoad`; `onProgress`, `log` and `signal` work across the IPC. */
export function runLoadForked(options: LoadOptions): Promise<LoadSummary> {
  const { onProgress, log, signal, ...plain } = options
  const child = fork(new URL('./load-child.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise<LoadSummary>((resolve, reject) => {
    let settled = false
    const abort = () => {
      if (child.connected) child.send({ cmd: 'abort' })
    }
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', abort)
      outcome()
    }
    child.on('message', (m: Reply) => {
      if ('ready' in m) {
        pin(child.pid, GENERATOR_CPU)
        child.send({ cmd: 'run', options: plain, progress: Boolean(onProgress), log: Boolean(log) })
        if (signal?.aborted) abort()
        else signal?.addEventListener('abort', abort, { once: true })
      } else if ('progress' in m) onProgress?.(m.progress)
      else if ('log' in m) log?.(m.log)
      else if ('summary' in m) finish(() => resolve(m.summary))
      else if ('failed' in m) finish(() => reject(new Error(`load generator: ${m.failed}`)))
    })
    child.once('exit', (code, sig) =>
      finish(() => reject(new Error(`load generator exited ${sig ?? code} before its summary`))),
    )
  })
}
