import { parseSimulateArgs, SIMULATE_HELP, type SimulateArgs } from './cli-args.js'
import { type SimulatedDevice, startSimulatedDevice } from './device.js'
import { redactUrl } from './redact-url.js'

export interface SimulateIo {
  /** Raw writes: every message this command writes ends with its own newline. */
  stdout: (s: string) => void
  stderr: (s: string) => void
  env: NodeJS.ProcessEnv
  /** Stops the run when aborted; without it, SIGINT and SIGTERM do (tests pass their own). */
  signal?: AbortSignal
  /** How often to print the progress line; default 5 s. */
  progressIntervalMs?: number
}

const DEFAULT_PROGRESS_MS = 5000

/**
 * `mimamori simulate …`: runs one simulated device until Ctrl-C / SIGTERM or `--count` readings.
 * Returns the exit code: 0 after a clean stop, 1 if the device could not connect, 2 for bad arguments.
 * @example process.exitCode = await runSimulateCommand(process.argv.slice(3), { stdout, stderr, env: process.env })
 */
export async function runSimulateCommand(argv: string[], io: SimulateIo): Promise<number> {
  const parsed = parseSimulateArgs(argv, io.env)
  if (parsed.help) {
    io.stdout(SIMULATE_HELP)
    return 0
  }
  if ('error' in parsed) {
    io.stderr(`simulate: ${parsed.error}\nRun with --help for usage and examples.\n`)
    return 2
  }
  const args = parsed.args
  const stop = stopSignal(io.signal)
  try {
    return await run(args, io, stop.signal)
  } finally {
    stop.dispose()
  }
}

async function run(args: SimulateArgs, io: SimulateIo, signal: AbortSignal): Promise<number> {
  io.stdout(`${describe(args)}\nConnecting to ${redactUrl(args.url)} … (Ctrl-C to stop)\n`)
  let reachedCount: () => void = () => {}
  const counted = new Promise<void>((resolve) => {
    reachedCount = resolve
  })
  let device: SimulatedDevice
  try {
    device = await startSimulatedDevice({
      url: args.url,
      deviceId: args.deviceId,
      password: args.password,
      kind: args.kind,
      intervalMs: args.intervalMs,
      seed: args.seed,
      demo: args.demo,
      qos: args.qos,
      signal,
      log: (msg) => io.stderr(`${msg}\n`),
      onPublished: (count) => {
        if (args.count !== undefined && count >= args.count) reachedCount()
      },
    })
  } catch (err) {
    if (signal.aborted) {
      io.stdout('Stopped before the broker answered.\n')
      return 0
    }
    io.stderr(`simulate: ${(err as Error).message}\n`)
    return 1
  }

  const progress = setInterval(
    () => io.stdout(`${progressLine(device)}\n`),
    io.progressIntervalMs ?? DEFAULT_PROGRESS_MS,
  )
  try {
    await Promise.race([counted, aborted(signal)])
  } finally {
    clearInterval(progress)
  }
  await device.stop()
  const skipped = device.skipped() > 0 ? `, ${device.skipped()} skipped while offline` : ''
  io.stdout(`Stopped: ${device.published()} readings published${skipped}.\n`)
  return 0
}

function describe(args: SimulateArgs): string {
  const every = args.intervalMs % 1000 === 0 ? `${args.intervalMs / 1000} s` : `${args.intervalMs} ms`
  const extras = [
    args.demo ? 'demo profile' : undefined,
    args.seed !== undefined ? `seed ${args.seed}` : undefined,
    `QoS ${args.qos}`,
    args.count !== undefined ? `${args.count} readings` : undefined,
  ].filter(Boolean)
  return `Simulating ${args.kind} device ${args.deviceId}: one reading every ${every} (${extras.join(', ')}).`
}

function progressLine(device: SimulatedDevice): string {
  const last = device.lastReading()
  const metrics = last
    ? Object.entries(last.m)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : 'no reading yet'
  const state = device.connected() ? '' : ' [offline, reconnecting]'
  const skipped = device.skipped() > 0 ? `, ${device.skipped()} skipped` : ''
  return `${device.deviceId}: ${device.published()} published${skipped}${state} | ${metrics}`
}

/** An abort signal tied to the caller's signal, or to SIGINT/SIGTERM; dispose() removes the handlers. */
function stopSignal(external: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (external) return { signal: external, dispose: () => {} }
  const controller = new AbortController()
  const onSignal = (): void => controller.abort()
  // once: a second Ctrl-C falls through to Node's default and ends the process at once.
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose() {
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
    },
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
