import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testDir } from '../../tests/helpers/temp-dir.js'
import { readScenarioFile, resolveScenario } from './library.js'
import { parseScenario, ScenarioError, type ScenarioInput } from './schema.js'

const VALID: ScenarioInput = {
  name: 'tiny',
  description: { ja: '小さな例', en: 'A tiny example' },
  start: '2026-09-15T12:00',
  duration: '2h',
  timeScale: 60,
  interval: '10m',
  devices: [
    { id: 'r-01', kind: 'reservoir', camera: { interval: '30m' } },
    { id: 'rail-01', kind: 'rail', model: { sunExposure: 0.5 } },
  ],
  faults: [{ device: 'rail-01', type: 'stuck', from: '30m', to: '1h' }],
  expectedAlerts: [
    { device: 'r-01', rule: 'reservoir-level-high', severity: 'warning', after: '0h', before: '2h' },
  ],
}

function errorOf(patch: (s: Record<string, unknown>) => void): string {
  const s = structuredClone(VALID) as unknown as Record<string, unknown>
  patch(s)
  try {
    parseScenario(s, 'test.json')
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError)
    return (err as Error).message
  }
  throw new Error('expected the scenario to be refused')
}

describe('parseScenario', () => {
  it('turns durations into ms and a start without offset into Japan time', () => {
    const s = parseScenario(VALID, 'test.json')
    expect(s.start).toBe(Date.parse('2026-09-15T12:00:00+09:00'))
    expect(s.duration).toBe(7_200_000)
    expect(s.interval).toBe(600_000)
    expect(s.faults[0]).toMatchObject({ type: 'stuck', from: 1_800_000, to: 3_600_000 })
    expect(s.devices[0]).toMatchObject({ kind: 'reservoir', camera: { interval: 1_800_000 }, model: {} })
    expect(s.seed).toBe(1)
    expect(parseScenario({ ...VALID, start: '2026-09-15T03:00:00Z' }, 'x').start).toBe(s.start)
  })

  it('names the file and the field of each problem', () => {
    expect(
      errorOf(
        (s) =>
          (((s.devices as Array<Record<string, unknown>>)[1] as Record<string, unknown>).model = {
            sunExposure: 2,
          }),
      ),
    ).toMatch(/test\.json[\s\S]*devices\[1\]\.model\.sunExposure/)
    expect(errorOf((s) => (s.duration = 'two hours'))).toMatch(/"two hours" is not a duration[\s\S]*duration/)
    expect(errorOf((s) => (s.start = 'tomorrow'))).toMatch(/not a time[\s\S]*start/)
    expect(errorOf((s) => ((s.devices as unknown[])[0] = { id: 'r-01', kind: 'dam' }))).toMatch(
      /devices\[0\]\.kind/,
    )
    expect(errorOf((s) => (s.timeScale = 0))).toMatch(/timeScale/)
    expect(errorOf((s) => (s.colour = 'red'))).toMatch(/colour/)
  })

  it('checks that faults and expected alerts refer to devices, windows and metrics that exist', () => {
    expect(
      errorOf(
        (s) => (((s.faults as Array<Record<string, unknown>>)[0] as Record<string, unknown>).device = 'p-09'),
      ),
    ).toMatch(/no device "p-09"[\s\S]*faults\[0\]\.device/)
    expect(
      errorOf(
        (s) => (((s.faults as Array<Record<string, unknown>>)[0] as Record<string, unknown>).to = '10m'),
      ),
    ).toMatch(/must come after "from"[\s\S]*faults\[0\]\.to/)
    expect(
      errorOf(
        (s) =>
          (s.faults = [
            {
              device: 'rail-01',
              type: 'drift',
              from: '0h',
              to: '1h',
              perHour: 1,
              metrics: ['water_level_m'],
            },
          ]),
      ),
    ).toMatch(/rail devices have no metric "water_level_m"[\s\S]*faults\[0\]\.metrics\[0\]/)
    expect(
      errorOf((s) => (s.faults = [{ device: 'rail-01', type: 'spikes', from: '0h', to: '1h' }])),
    ).toMatch(/faults\[0\]\.probability/)
    expect(
      errorOf((s) => (s.faults = [{ device: 'rail-01', type: 'melted', from: '0h', to: '1h' }])),
    ).toMatch(/faults\[0\]\.type/)
    expect(
      errorOf(
        (s) =>
          (((s.expectedAlerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>).severity =
            'panic'),
      ),
    ).toMatch(/expectedAlerts\[0\]\.severity/)
    expect(
      errorOf((s) => (s.devices = [...(s.devices as unknown[]), { id: 'r-01', kind: 'paddy' }])),
    ).toMatch(/listed twice[\s\S]*devices\[2\]\.id/)
    expect(
      errorOf(
        (s) =>
          (s.forcing = {
            rainMmH: [
              ['1h', 5],
              ['30m', 0],
            ],
          }),
      ),
    ).toMatch(/offsets must increase[\s\S]*forcing\.rainMmH/)
  })

  it('refuses a scenario that would take millions of readings', () => {
    expect(
      errorOf((s) => {
        s.duration = '400d'
        s.interval = '1s'
      }),
    ).toMatch(/at most 2000000 per scenario/)
  })
})

describe('reading scenario files', () => {
  it('names the file when it is not JSON, and lists the built-ins for an unknown name', () => {
    const dir = testDir('scenario')
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{ "name": ')
    expect(() => readScenarioFile(file)).toThrow(/broken\.json is not valid JSON/)
    expect(() => readScenarioFile(join(dir, 'missing.json'))).toThrow(/cannot read scenario/)
    expect(() => resolveScenario('hurricane')).toThrow(
      /no built-in scenario "hurricane": choose one of .*typhoon-reservoir/,
    )
  })

  it('finds a built-in scenario by name and a file by path', () => {
    expect(resolveScenario('typhoon-reservoir').name).toBe('typhoon-reservoir')
    const dir = testDir('scenario')
    const file = join(dir, 'tiny.json')
    writeFileSync(file, JSON.stringify(VALID))
    expect(resolveScenario(file).devices).toHaveLength(2)
  })
})
