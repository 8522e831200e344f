import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')

/** A port that was free a moment ago (for tests that must restart a server on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export interface CliProcess {
  child: ChildProcess
  output: { stdout: string; stderr: string }
  exited: Promise<number | null>
}

/**
 * Runs `mimamori <args>` (cli/main.ts through tsx) as a child process; `nodeArgs` e.g. `--cpu-prof`.
 * `cpu` (e.g. '0') starts it under `taskset`, so it sees from its first instruction which CPUs it
 * may use (the benchmarks' system under test sizes DuckDB's threads by that).
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
  options: { cpu?: string } = {},
): CliProcess {
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', 'cli/main.ts', ...args]
  // taskset execs the command: the child's pid is the server's
  const [file, ...argv] = options.cpu ? ['taskset', '-c', options.cpu, ...command] : command
  const child = spawn(file as string, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', MIMAMORI_DEMO: '0', ...env },
  })
  const output = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output, exited }
}
