import { parseArgs } from 'node:util'
import { DEVICE_KINDS, type DeviceKind, isDeviceId, isDeviceKind } from '../firmware-contracts/index.js'

export const SIMULATE_HELP = `Usage: npm run simulate -- --device ID --kind KIND [options]

Runs one simulated field device: it connects to the MQTT broker as that device and
publishes a reading every few seconds, exactly as the real sensor would. Ctrl-C stops it.

Required:
  --device ID        the device's id, as registered in mimamori (e.g. p-01)
  --kind KIND        paddy      water depth (cm) and water temperature of a rice paddy
                     reservoir  water level (m) and rainfall (mm/h) of a reservoir
                     rail       rail and air temperature (°C) of a track section
  --password PW      the device's MQTT password, or set MIMAMORI_DEVICE_PASSWORD instead
                     (safer: a password on the command line shows up in \`ps\`)

Options:
  --url URL          broker to connect to (default mqtt://localhost:1883, or the
                     port in MQTT_PORT); mqtts://, ws:// and wss:// work too
  --interval TIME    time between readings: 5s, 500ms, 1m, or a number of seconds
                     (default 5s; 2s with --demo)
  --demo             scripted values that cross the default alert thresholds within
                     about a minute, then clear, in a loop of a few minutes
  --seed N           seed of the simulated weather (default: from the device id, so
                     the same device gives the same series on every run)
  --qos 0|1          MQTT QoS of the readings (default 1: the broker acknowledges each)
  --count N          stop after N readings were published
  --camera-interval TIME
                     reservoir only: also publish a camera image (JPEG) this often,
                     e.g. 1m (see: npm run simulate -- camera --help)
  -h, --help         this text

Examples:
  # 1. register a device (prints its password once), with mimamori running (npm start)
  npm run cli -- device add p-01 --kind paddy

  # 2. run it: a paddy sensor reporting every 5 seconds
  MIMAMORI_DEVICE_PASSWORD='<password from step 1>' npm run simulate -- --device p-01 --kind paddy

  # a rail thermometer that passes the 50 °C watch line within a minute
  npm run simulate -- --device rail-01 --kind rail --password '<pw>' --demo

  # ten quick readings from a reservoir gauge to another broker, then exit
  npm run simulate -- --device r-01 --kind reservoir --password '<pw>' \\
    --url mqtt://192.0.2.10:1883 --interval 500ms --count 10
`

export interface SimulateArgs {
  deviceId: string
  password: string
  kind: DeviceKind
  url: string
  intervalMs: number
  seed: number | undefined
  demo: boolean
  qos: 0 | 1
  count: number | undefined
  /** Reservoir stations only: publish a camera image this often. */
  cameraIntervalMs?: number
}

export type ParsedSimulateArgs =
  | { help: true }
  | { help: false; error: string }
  | { help: false; args: SimulateArgs }

const MIN_INTERVAL_MS = 10
const MAX_INTERVAL_MS = 24 * 3_600_000
const URL_PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'])

/**
 * Parses `simulate` arguments; every problem comes back as one sentence a newcomer can act on.
 * @example parseSimulateArgs(['--device', 'p-01', '--kind', 'paddy', '--password', 'pw'], {})
 */
export function parseSimulateArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedSimulateArgs {
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions(argv)
  } catch (err) {
    // node:util's messages name the option, e.g. "Unknown option '--devce'".
    return { help: false, error: (err as Error).message }
  }
  const { values, positionals } = parsed
  if (values.help) return { help: true }
  if (positionals.length > 0) return fail(`unexpected argument "${positionals[0]}" (options start with --)`)

  const deviceId = str(values.device)
  if (!deviceId) return fail('--device is required, e.g. --device p-01')
  if (!isDeviceId(deviceId))
    return fail(`--device "${deviceId}" is not a valid id: use letters, digits, - and _ (max 64)`)

  const kind = str(values.kind)
  if (!kind) return fail(`--kind is required: one of ${DEVICE_KINDS.join(', ')}`)
  if (!isDeviceKind(kind)) return fail(`--kind "${kind}" is unknown: use one of ${DEVICE_KINDS.join(', ')}`)

  const password = str(values.password) ?? env.MIMAMORI_DEVICE_PASSWORD
  if (!password) {
    return fail('a password is required: --password PW, or set MIMAMORI_DEVICE_PASSWORD (see: device add)')
  }

  const url = str(values.url) ?? `mqtt://localhost:${env.MQTT_PORT || 1883}`
  const urlError = checkUrl(url)
  if (urlError) return fail(urlError)

  const demo = values.demo === true
  const intervalText = str(values.interval) ?? (demo ? '2s' : '5s')
  const intervalMs = parseDuration(intervalText)
  if (intervalMs === undefined)
    return fail(`--interval "${intervalText}" is not a duration: try 5s, 500ms, 1m or 5`)
  if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    return fail(`--interval must be between ${MIN_INTERVAL_MS}ms and 24h`)
  }

  let seed: number | undefined
  const seedText = str(values.seed)
  if (seedText !== undefined) {
    if (!/^-?\d{1,15}$/.test(seedText)) return fail(`--seed "${seedText}" must be a whole number`)
    seed = Number(seedText)
  }

  const qosText = str(values.qos) ?? '1'
  if (qosText !== '0' && qosText !== '1') return fail(`--qos must be 0 or 1, not "${qosText}"`)

  let count: number | undefined
  const countText = str(values.count)
  if (countText !== undefined) {
    if (!/^\d{1,9}$/.test(countText) || Number(countText) < 1)
      return fail(`--count "${countText}" must be 1 or more`)
    count = Number(countText)
  }

  let cameraIntervalMs: number | undefined
  const cameraText = str(values['camera-interval'])
  if (cameraText !== undefined) {
    if (kind !== 'reservoir') return fail('--camera-interval is for reservoir stations (--kind reservoir)')
    cameraIntervalMs = parseDuration(cameraText)
    if (cameraIntervalMs === undefined || cameraIntervalMs < 100 || cameraIntervalMs > MAX_INTERVAL_MS) {
      return fail(`--camera-interval "${cameraText}" must be a duration from 100ms to 24h, e.g. 1m`)
    }
  }

  return {
    help: false,
    args: {
      deviceId,
      password,
      kind,
      url,
      intervalMs,
      seed,
      demo,
      qos: qosText === '1' ? 1 : 0,
      count,
      cameraIntervalMs,
    },
  }
}

/**
 * `5s`, `500ms`, `1m`, `1.5s`, or a bare number of seconds, in ms; undefined if unreadable.
 * @example parseDuration('500ms') // 500
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1])
  const unit = match[2] ?? 's'
  return Math.round(value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000))
}

function checkUrl(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `--url "${url}" is not a URL: try mqtt://localhost:1883`
  }
  if (!URL_PROTOCOLS.has(parsed.protocol)) {
    return `--url must start with mqtt://, mqtts://, ws:// or wss://, not ${parsed.protocol}//`
  }
  return undefined
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      device: { type: 'string' },
      password: { type: 'string' },
      kind: { type: 'string' },
      url: { type: 'string' },
      interval: { type: 'string' },
      seed: { type: 'string' },
      demo: { type: 'boolean' },
      qos: { type: 'string' },
      count: { type: 'string' },
      'camera-interval': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function fail(error: string): ParsedSimulateArgs {
  return { help: false, error }
}
