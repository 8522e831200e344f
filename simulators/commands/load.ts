import { parseArgs } from 'node:util'
import { DEVICE_KINDS, type DeviceKind, isDeviceKind } from '../../firmware-contracts/index.js'
import { type LoadDevice, type LoadSummary, runLoad } from '../load/load.js'
import { redactUrl } from '../redact-url.js'
import {
  cliInt,
  cliQos,
  cliSpan,
  cliUrl,
  readCredentialsFile,
  type SimulateIo,
  stopSignal,
  str,
  thousands,
  UsageError,
} from './common.js'

export const LOAD_HELP = `Usage: npm run simulate -- load --credentials FILE [options]

Many devices at once over real MQTT: one TCP connection per device (its own id and
password), telemetry at a total --rate or a per-device --interval, or flat out. Packets
are built as raw MQTT 3.1.1 bytes (no client library in the hot loop); each connection
keeps at most --window messages unacknowledged. Prints a line every second and a
summary: messages/s and publish → PUBACK latency (p50, p99).

Options:
  --credentials FILE   JSON {"device-id": "password" | {"password", "kind"}, …}
  --devices N          use the first N devices of the file (default: all)
  --rate N             total messages per second (default: as fast as the broker acks)
  --interval TIME      each device publishes this often instead (e.g. 5s: realistic)
  --duration TIME      how long to send (default 30s)
  --count N            stop after N messages in total
  --qos 0|1            (default 1: every message acknowledged and timed)
  --pre-encoded        copy-and-patch one encoded packet per device: the fastest way
                       to send (ts and seq still change, so every reading is distinct)
  --window N           unacknowledged messages per connection (default 16)
  --kind KIND          kind for devices the file gives none (default paddy)
  --url URL            mqtt:// or mqtts:// (default mqtt://localhost:1883)
  --local-addresses A,B,…  source addresses to spread connections over; beyond 15,000
                       devices on a loopback broker 127.0.0.1, 127.0.0.2, … are used
  -h, --help           this text

One process can hold about 20,000 open files (ulimit -n): run several generators for more.

Examples:
  npm run simulate -- load --credentials creds.json --devices 1000 --interval 5s --duration 2m
  npm run simulate -- load --credentials creds.json --devices 1000 --rate 50000 --qos 1 --duration 30s --pre-encoded
`

interface LoadArgs {
  url: string
  devices: LoadDevice[]
  rate?: number
  durationMs: number
  count?: number
  qos: 0 | 1
  preEncoded: boolean
  window: number
  localAddresses?: string[]
}

function parse(argv: string[], env: NodeJS.ProcessEnv): LoadArgs {
  let values: ReturnType<typeof parseOptions>['values']
  try {
    values = parseOptions(argv).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const file = str(values.credentials)
  if (!file) throw new UsageError('--credentials FILE is required: a JSON map of device id → password')
  const kindText = str(values.kind) ?? 'paddy'
  if (!isDeviceKind(kindText))
    throw new UsageError(`--kind "${kindText}" is unknown: use one of ${DEVICE_KINDS.join(', ')}`)
  const kind: DeviceKind = kindText
  const entries = readCredentialsFile(file)
  const wanted = str(values.devices)
    ? cliInt('--devices', values.devices as string, 1, 1_000_000)
    : entries.length
  if (entries.length < wanted)
    throw new UsageError(`--devices ${wanted}, but ${file} lists only ${entries.length}`)
  if (wanted === 0) throw new UsageError(`${file} lists no devices`)
  const devices = entries
    .slice(0, wanted)
    .map((e) => ({ deviceId: e.deviceId, password: e.password, kind: e.kind ?? kind }))
  if (str(values.rate) && str(values.interval)) throw new UsageError('give --rate or --interval, not both')
  let rate = str(values.rate) ? cliInt('--rate', values.rate as string, 1, 10_000_000) : undefined
  if (str(values.interval)) rate = (devices.length * 1000) / cliSpan('--interval', values.interval as string)
  return {
    url: cliUrl(str(values.url), env, ['mqtt:', 'mqtts:', 'tcp:', 'ssl:']),
    devices,
    rate,
    durationMs: cliSpan('--duration', str(values.duration) ?? '30s'),
    count: str(values.count) ? cliInt('--count', values.count as string, 1, 1e12) : undefined,
    qos: cliQos(str(values.qos)),
    preEncoded: values['pre-encoded'] === true,
    window: str(values.window) ? cliInt('--window', values.window as string, 1, 1000) : 16,
    localAddresses: str(values['local-addresses'])
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  }
}

/** `simulate load …`: exit 0 after the run, 1 if no device could connect, 2 for bad arguments. */
export async function runLoadCommand(argv: string[], io: SimulateIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(LOAD_HELP)
    return 0
  }
  let args: LoadArgs
  try {
    args = parse(argv, io.env)
  } catch (err) {
    io.stderr(`simulate load: ${(err as Error).message}\nRun with --help for usage and examples.\n`)
    return 2
  }
  const pace = args.rate === undefined ? 'flat out' : `${thousands(args.rate)} msg/s in total`
  io.stdout(
    `Load: ${thousands(args.devices.length)} devices → ${redactUrl(args.url)}, ${pace}, QoS ${args.qos}, ` +
      `${args.preEncoded ? 'pre-encoded packets' : 'model payloads'}, for ${args.durationMs / 1000} s` +
      `${args.count ? ` or ${thousands(args.count)} messages` : ''}. Connecting …\n`,
  )
  const stop = stopSignal(io.signal)
  let summary: LoadSummary
  try {
    summary = await runLoad({
      ...args,
      signal: stop.signal,
      log: (msg) => io.stdout(`${msg}\n`),
      progressIntervalMs: io.progressIntervalMs,
      onProgress: (p) =>
        io.stdout(
          `${p.elapsedS.toFixed(1).padStart(6)} s | ${thousands(p.rate).padStart(9)} msg/s | sent ${thousands(p.sent)}` +
            ` | acked ${thousands(p.acked)} | errors ${p.errors} | ${thousands(p.connections)} connections\n`,
        ),
    })
  } finally {
    stop.dispose()
  }
  io.stdout(summaryText(summary, args.qos))
  return summary.connected === 0 ? 1 : 0
}

function summaryText(s: LoadSummary, qos: 0 | 1): string {
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`)
  const lines = [
    'Summary:',
    `  devices      ${thousands(s.connected)} connected of ${thousands(s.devices)}${s.connectFailures ? ` (${s.connectFailures} failed)` : ''}`,
    `  sent         ${thousands(s.sent)}`,
    qos === 1
      ? `  acked        ${thousands(s.acked)}${s.unacked ? ` (${thousands(s.unacked)} never acked)` : ''}`
      : '',
    `  errors       ${s.errors}`,
    `  rate         ${thousands(s.msgPerS)} msg/s over ${s.elapsedS.toFixed(1)} s`,
    qos === 1
      ? `  latency      p50 ${ms(s.latencyMs.p50)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)} (publish → PUBACK)`
      : '',
    ...s.failureSamples.map((f) => `  failed: ${f}`),
  ]
  return `${lines.filter(Boolean).join('\n')}\n`
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    options: {
      credentials: { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      interval: { type: 'string' },
      duration: { type: 'string' },
      count: { type: 'string' },
      qos: { type: 'string' },
      'pre-encoded': { type: 'boolean' },
      window: { type: 'string' },
      kind: { type: 'string' },
      url: { type: 'string' },
      'local-addresses': { type: 'string' },
    },
  })
}
