import { startCamera } from './camera/camera.js'
import { parseSimulateArgs, SIMULATE_HELP, type SimulateArgs } from './cli-args.js'
import { runCameraCommand } from './commands/camera.js'
import { aborted, type SimulateIo, stopSignal } from './commands/common.js'
import { runLoadCommand } from './commands/load.js'
import { runScenarioCommand } from './commands/scenario.js'
import { runScenariosCommand } from './commands/scenarios.js'
import { type SimulatedDevice, startSimulatedDevice } from './device.js'
import { redactUrl } from './redact-url.js'

export type { SimulateIo } from './commands/common.js'

const DEFAULT_PROGRESS_MS = 5000

export const SIMULATE_OVERVIEW = `Usage: npm run simulate -- [COMMAND] [options]

Simulated field devices. They connect to the MQTT broker with their own device id and
password and publish exactly what real sensors would, so mimamori cannot tell them apart.

Commands:
  device      one device publishing readings (the default: the command name may be left out)
  camera      a reservoir station with its surveillance camera (JPEG images + readings),
              or --snapshot FILE to just write one picture
  scenario    replay a scenario: a typhoon, a heatwave, a paddy season, a night without
              uplink, sensor faults… time-compressed, each with the alerts it should raise
  scenarios   list the built-in scenarios, what happens in each and the alerts to expect
  load        hundreds to tens of thousands of devices at once, for load tests and benchmarks

Run \`npm run simulate -- COMMAND --help\` for the options and examples of each.

`

/**
 * \`mimamori simulate …\`: the simulator commands (device, camera, scenario, scenarios, load).
 * Returns the exit code: 0 after a clean stop, 1 if it could not connect or run, 2 for bad arguments.
 * @example process.exitCode = await runSimulateCommand(process.argv.slice(3), { stdout, stderr, env: process.env })
 */
export async function runSimulateCommand(argv: string[], io: SimulateIo): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'device':
      return runDeviceCommand(rest, io)
    case 'camera':
      return runCameraCommand(rest, io, runDeviceCommand)
    case 'scenario':
      return runScenarioCommand(rest, io)
    case 'scenarios':
      return runScenariosCommand(rest, io)
    case 'load':
      return runLoadCommand(rest, io)
    case 'help':
      io.stdout(SIMULATE_OVERVIEW + SIMULATE_HELP)
      return 0
    default:
      if (command === '--help' || command === '-h') {
        io.stdout(SIMULATE_OVERVIEW + SIMULATE_HELP)
        return 0
      }
      if (command !== undefined && !command.startsWith('-')) {
        io.stderr(`simulate: unknown command "${command}"\n\n${SIMULATE_OVERVIEW}`)
        return 2
      }
      return runDeviceCommand(argv, io)
  }
}

/** `simulate [device] --device ID --kind KIND …`: one simulated device until Ctrl-C or `--count`. */
export async function runDeviceCommand(argv: string[], io: SimulateIo): Promise<number> {
  const parsed = parseSimulateArgs(argv, io.env)
  if (parsed.help) {
    io.stdout(SIMULATE_HELP)
    return 0
  }
  if ('error' in parsed) {
    io.stderr(`simulate: ${parsed.error}\nRun with --help for usage and examples.\n`)
    return 2
  }
  const stop = stopSignal(io.signal)
  try {
    return await run(parsed.args, io, stop.signal)
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
  const camera =
    args.cameraIntervalMs === undefined
      ? undefined
      : startCamera({ device, intervalMs: args.cameraIntervalMs, log: (msg) => io.stderr(`${msg}\n`) })

  const progress = setInterval(() => {
    const images = camera ? `, ${camera.images()} images` : ''
    io.stdout(`${progressLine(device, images)}\n`)
  }, io.progressIntervalMs ?? DEFAULT_PROGRESS_MS)
  try {
    await Promise.race([counted, aborted(signal)])
  } finally {
    clearInterval(progress)
  }
  camera?.stop()
  await device.stop()
  const skipped = device.skipped() > 0 ? `, ${device.skipped()} skipped while offline` : ''
  const images = camera ? `, ${camera.images()} camera images` : ''
  io.stdout(`Stopped: ${device.published()} readings published${images}${skipped}.\n`)
  return 0
}

function describe(args: SimulateArgs): string {
  const every = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)
  const extras = [
    args.demo ? 'demo profile' : undefined,
    args.seed !== undefined ? `seed ${args.seed}` : undefined,
    `QoS ${args.qos}`,
    args.count !== undefined ? `${args.count} readings` : undefined,
    args.cameraIntervalMs !== undefined ? `an image every ${every(args.cameraIntervalMs)}` : undefined,
  ].filter(Boolean)
  return `Simulating ${args.kind} device ${args.deviceId}: one reading every ${every(args.intervalMs)} (${extras.join(', ')}).`
}

function progressLine(device: SimulatedDevice, images: string): string {
  const last = device.lastReading()
  const metrics = last
    ? Object.entries(last.m)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : 'no reading yet'
  const state = device.connected() ? '' : ' [offline, reconnecting]'
  const skipped = device.skipped() > 0 ? `, ${device.skipped()} skipped` : ''
  return `${device.deviceId}: ${device.published()} published${skipped}${images}${state} | ${metrics}`
}
