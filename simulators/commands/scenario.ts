import { parseArgs } from 'node:util'
import { formatSpan } from '../duration.js'
import { redactUrl } from '../redact-url.js'
import { thresholdCrossings } from '../scenario/alert-lines.js'
import { resolveScenario } from '../scenario/library.js'
import { runScenario, type ScenarioSummary } from '../scenario/runner.js'
import type { Scenario } from '../scenario/schema.js'
import { scenarioDevices, scenarioReadings } from '../scenario/timeline.js'
import {
  cliQos,
  cliUrl,
  readCredentialsFile,
  type SimulateIo,
  stopSignal,
  str,
  UsageError,
} from './common.js'
import { describeScenario, expectedAlertLine, jstTime, matchExpected } from './scenarios.js'

export const SCENARIO_HELP = `Usage: npm run simulate -- scenario NAME|FILE --credentials FILE [options]

Replays a scenario against the broker: every device of the scenario connects with its
own id and password and publishes the scenario's readings (and camera images), time-
compressed. Each scenario says which alerts it should raise; watch them arrive on the
dashboard. List the built-in ones with: npm run simulate -- scenarios

Options:
  --credentials FILE  JSON {"device-id": "password", …} for every device of the scenario
                      (register them first: npm run cli -- device add ID --kind KIND)
  --url URL           broker (default mqtt://localhost:1883, or the port in MQTT_PORT)
  --time-scale N|max  simulated seconds per wall second, overriding the scenario's own
                      (max: as fast as the broker acknowledges)
  --align now         shift every ts so the scenario ends at the wall time it finishes;
                      default: the scenario's own dates (readings arrive as history)
  --id-prefix P       prepend P to every device id (run one scenario twice, side by side)
  --qos 0|1           QoS of the readings (default 1; images always 1)
  --dry-run           no broker: compute the timeline and check its threshold crossings
                      against the expected alerts
  -h, --help          this text

Examples:
  npm run simulate -- scenario typhoon-reservoir --dry-run
  npm run simulate -- scenario typhoon-reservoir --credentials creds.json --align now
  npm run simulate -- scenario ./my-storm.json --credentials creds.json --time-scale max
`

interface ScenarioArgs {
  scenario: Scenario
  dryRun: boolean
  url: string
  credentialsFile?: string
  timeScale?: number
  align: 'scenario' | 'now'
  idPrefix: string
  qos: 0 | 1
}

function parse(argv: string[], env: NodeJS.ProcessEnv): ScenarioArgs {
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions(argv)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (positionals.length === 0)
    throw new UsageError('which scenario? give a name (see: simulate scenarios) or a .json file')
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`)
  let timeScale: number | undefined
  const scaleText = str(values['time-scale'])
  if (scaleText !== undefined) {
    timeScale = scaleText === 'max' ? Number.POSITIVE_INFINITY : Number(scaleText)
    if (!(timeScale > 0)) throw new UsageError(`--time-scale "${scaleText}" must be a positive number or max`)
  }
  const align = str(values.align) ?? 'scenario'
  if (align !== 'now' && align !== 'scenario')
    throw new UsageError(`--align must be now or scenario, not "${align}"`)
  const idPrefix = str(values['id-prefix']) ?? ''
  if (idPrefix && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/.test(idPrefix)) {
    throw new UsageError(`--id-prefix "${idPrefix}" may hold letters, digits, - and _ only`)
  }
  return {
    scenario: resolveScenario(positionals[0] as string),
    dryRun: values['dry-run'] === true,
    url: cliUrl(str(values.url), env),
    credentialsFile: str(values.credentials),
    timeScale,
    align,
    idPrefix,
    qos: cliQos(str(values.qos)),
  }
}

/** `simulate scenario NAME|FILE …`; exit 0 when done (or stopped), 1 if it could not run, 2 for bad arguments. */
export async function runScenarioCommand(argv: string[], io: SimulateIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(SCENARIO_HELP)
    return 0
  }
  let args: ScenarioArgs
  let credentials: Map<string, string> | undefined
  try {
    args = parse(argv, io.env)
    if (args.credentialsFile) {
      credentials = new Map(readCredentialsFile(args.credentialsFile).map((c) => [c.deviceId, c.password]))
    }
  } catch (err) {
    io.stderr(`simulate scenario: ${(err as Error).message}\nRun with --help for usage and examples.\n`)
    return 2
  }
  const { scenario } = args
  io.stdout(`Scenario ${scenario.name}\n${describeScenario(scenario, args.timeScale)}\n`)
  if (args.dryRun) return dryRun(args, io)

  const devices = scenarioDevices(scenario, args.idPrefix)
  const missing = devices.filter((d) => !credentials?.has(d.deviceId))
  if (missing.length > 0) {
    const adds = missing.map((d) => `  npm run cli -- device add ${d.deviceId} --kind ${d.kind}`).join('\n')
    io.stderr(
      `simulate scenario: no password for ${missing.map((d) => d.deviceId).join(', ')}.\n` +
        `Register the devices, then list their passwords in a JSON file for --credentials:\n${adds}\n` +
        `  # creds.json: { "${missing[0]?.deviceId}": "<password>", … }\n`,
    )
    return 2
  }
  const stop = stopSignal(io.signal)
  io.stdout(`Connecting ${devices.length} devices to ${redactUrl(args.url)} … (Ctrl-C to stop)\n`)
  let summary: ScenarioSummary
  try {
    summary = await runScenario(scenario, {
      url: args.url,
      credentials,
      timeScale: args.timeScale,
      align: args.align,
      idPrefix: args.idPrefix,
      qos: args.qos,
      signal: stop.signal,
      log: (msg) => io.stderr(`${msg}\n`),
      progressIntervalMs: io.progressIntervalMs,
      onProgress: (p) =>
        io.stdout(
          `[${String(Math.round(p.done * 100)).padStart(3)}%] ${jstTime(p.simTime)} | ${p.published} published` +
            `${p.skipped ? `, ${p.skipped} skipped` : ''}\n`,
        ),
    })
  } catch (err) {
    io.stderr(`simulate scenario: ${(err as Error).message}\n`)
    return 1
  } finally {
    stop.dispose()
  }
  io.stdout(report(scenario, summary))
  return 0
}

function report(s: Scenario, r: ScenarioSummary): string {
  const faults = Object.entries(r.faults).map(([f, n]) => `${f} ${n}`)
  const lines = [
    `${r.stoppedEarly ? 'Stopped early' : 'Done'} after ${formatSpan(r.wallMs)}: ${r.published} telemetry messages` +
      ` and ${r.images} images published, ${r.skipped} not delivered.`,
    r.batches ? `  Backfill: ${r.batches} batch payloads carrying ${r.batchedReadings} readings.` : '',
    r.dropped ? `  Kept off the wire by faults: ${r.dropped} readings.` : '',
    r.malformed || r.duplicates
      ? `  Sent on purpose: ${r.malformed} malformed, ${r.duplicates} duplicates.`
      : '',
    faults.length ? `  Faults applied: ${faults.join(', ')}.` : '',
    r.tsShiftMs ? `  Timestamps shifted by ${formatSpan(r.tsShiftMs)} (--align now).` : '',
    s.expectedAlerts.length
      ? 'Expected alerts (check the dashboard):'
      : 'This scenario should raise no alerts.',
    ...s.expectedAlerts.map((a) => `  - ${expectedAlertLine(s, a)}`),
  ]
  return `${lines.filter(Boolean).join('\n')}\n`
}

function dryRun(args: ScenarioArgs, io: SimulateIo): number {
  const { scenario } = args
  const events = [...scenarioReadings(scenario, { idPrefix: args.idPrefix })]
  const count = (pred: (e: (typeof events)[number]) => boolean) => events.filter(pred).length
  io.stdout(
    `Dry run: ${count((e) => e.type === 'telemetry')} telemetry messages ` +
      `(${count((e) => e.type === 'telemetry' && e.batch)} batches, ` +
      `${count((e) => e.type === 'telemetry' && !!e.malformed)} malformed, ` +
      `${count((e) => e.type === 'telemetry' && e.duplicate)} duplicates), ` +
      `${count((e) => e.type === 'image')} images, ${count((e) => e.type === 'skip')} readings kept off the wire.\n`,
  )
  const { matched, unexpected } = matchExpected(scenario, thresholdCrossings(events), args.idPrefix)
  for (const { alert, crossing } of matched) {
    const at = crossing ? `raised at ${jstTime(crossing.raisedAt)}` : 'NOT RAISED in its window'
    io.stdout(`  ${crossing ? 'ok ' : 'MISSING'} ${expectedAlertLine(scenario, alert)}: ${at}\n`)
  }
  for (const c of unexpected)
    io.stdout(`  UNEXPECTED ${c.deviceId}: ${c.rule} raised at ${jstTime(c.raisedAt)}\n`)
  const planned = scenario.expectedAlerts.filter((a) => !matched.some((m) => m.alert === a))
  for (const a of planned) io.stdout(`  (not checked) ${expectedAlertLine(scenario, a)}\n`)
  const ok = matched.every((m) => m.crossing) && unexpected.length === 0
  io.stdout(
    ok
      ? 'The timeline raises exactly the expected threshold alerts.\n'
      : 'The timeline does not match its expected alerts.\n',
  )
  return ok ? 0 : 1
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      credentials: { type: 'string' },
      url: { type: 'string' },
      'time-scale': { type: 'string' },
      align: { type: 'string' },
      'id-prefix': { type: 'string' },
      qos: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  })
}
