import { formatSpan } from '../duration.js'
import { ASSUMED_ALERT_RULES, type Crossing } from '../scenario/alert-lines.js'
import { builtinScenarios } from '../scenario/library.js'
import type { ExpectedAlert, Scenario } from '../scenario/schema.js'
import type { SimulateIo } from './common.js'

const JST_OFFSET_MS = 9 * 3_600_000

/** `2026-09-15 12:00 JST` */
export function jstTime(ms: number): string {
  const iso = new Date(ms + JST_OFFSET_MS).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} JST`
}

/** The two-line header of a scenario: what happens, how long it takes. */
export function describeScenario(s: Scenario, timeScale = s.timeScale): string {
  const wall = Number.isFinite(timeScale)
    ? `~${formatSpan(s.duration / timeScale)}`
    : 'as fast as the broker acks'
  const kinds = s.devices.map(
    (d) => `${d.id} (${d.kind}${d.kind === 'reservoir' && d.camera ? ' + camera' : ''})`,
  )
  return [
    `  ${s.description.en}`,
    `  ${s.description.ja}`,
    `  ${formatSpan(s.duration)} from ${jstTime(s.start)}, a reading every ${formatSpan(s.interval)}; ` +
      `×${Number.isFinite(timeScale) ? timeScale : 'max'} → ${wall} of wall time.`,
    `  Devices: ${kinds.join(', ')}`,
  ].join('\n')
}

export function expectedAlertLine(s: Scenario, a: ExpectedAlert): string {
  const planned = ASSUMED_ALERT_RULES.some((r) => r.id === a.rule) ? '' : ' [planned rule]'
  const late = a.late ? ' (late: from backfill)' : ''
  return `${a.device}: ${a.rule} (${a.severity}) raised between ${jstTime(s.start + a.after)} and ${jstTime(s.start + a.before)}${late}${planned}`
}

/**
 * Each expected alert of a default threshold rule, with the crossing of the timeline that
 * matches it (or none); and the crossings no expected alert accounts for.
 */
export function matchExpected(
  s: Scenario,
  crossings: Crossing[],
  idPrefix = '',
): { matched: Array<{ alert: ExpectedAlert; crossing?: Crossing }>; unexpected: Crossing[] } {
  const fits = (a: ExpectedAlert, c: Crossing) =>
    c.deviceId === `${idPrefix}${a.device}` &&
    c.rule === a.rule &&
    c.severity === a.severity &&
    c.raisedAt >= s.start + a.after &&
    c.raisedAt <= s.start + a.before &&
    (a.late === undefined || a.late === c.late)
  const checkable = s.expectedAlerts.filter((a) => ASSUMED_ALERT_RULES.some((r) => r.id === a.rule))
  return {
    matched: checkable.map((alert) => ({ alert, crossing: crossings.find((c) => fits(alert, c)) })),
    unexpected: crossings.filter((c) => !checkable.some((a) => fits(a, c))),
  }
}

/** `simulate scenarios`: the built-in scenarios, what happens in each and the alerts to expect. */
export function runScenariosCommand(argv: string[], io: SimulateIo): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(
      'Usage: npm run simulate -- scenarios\n\nLists the built-in scenarios (simulators/scenarios/*.json) with what happens in each\nand the alerts it should raise. Run one with: npm run simulate -- scenario NAME --help\n',
    )
    return 0
  }
  if (argv.length > 0) {
    io.stderr(`simulate scenarios: unexpected argument "${argv[0]}"\n`)
    return 2
  }
  let scenarios: Scenario[]
  try {
    scenarios = builtinScenarios()
  } catch (err) {
    io.stderr(`simulate scenarios: ${(err as Error).message}\n`)
    return 1
  }
  const blocks = scenarios.map((s) => {
    const alerts = s.expectedAlerts.length
      ? s.expectedAlerts.map((a) => `    - ${expectedAlertLine(s, a)}`).join('\n')
      : '    (none)'
    const faults = s.faults.length
      ? `\n  Faults: ${s.faults.map((f) => `${f.type} on ${f.device}`).join(', ')}`
      : ''
    return `${s.name}\n${describeScenario(s)}${faults}\n  Expected alerts:\n${alerts}\n`
  })
  io.stdout(
    `Built-in scenarios (${scenarios.length}); run one with: npm run simulate -- scenario NAME --credentials creds.json\n\n${blocks.join('\n')}`,
  )
  return 0
}
