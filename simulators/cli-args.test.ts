import { describe, expect, it } from 'vitest'
import { parseDuration, parseSimulateArgs } from './cli-args.js'

const BASE = ['--device', 'p-01', '--kind', 'paddy', '--password', 'pw']

function error(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  const parsed = parseSimulateArgs(argv, env)
  return 'error' in parsed ? parsed.error : ''
}

describe('parseSimulateArgs', () => {
  it('applies newcomer-friendly defaults', () => {
    expect(parseSimulateArgs(BASE, {})).toEqual({
      help: false,
      args: {
        deviceId: 'p-01',
        password: 'pw',
        kind: 'paddy',
        url: 'mqtt://localhost:1883',
        intervalMs: 5000,
        seed: undefined,
        demo: false,
        qos: 1,
        count: undefined,
      },
    })
  })

  it('publishes every 2 s in demo mode unless told otherwise', () => {
    const demo = parseSimulateArgs([...BASE, '--demo'], {})
    expect('args' in demo && demo.args.intervalMs).toBe(2000)
    const slow = parseSimulateArgs([...BASE, '--demo', '--interval', '10s'], {})
    expect('args' in slow && slow.args.intervalMs).toBe(10_000)
  })

  it('reads every option', () => {
    const parsed = parseSimulateArgs(
      [
        ...BASE,
        '--url',
        'mqtts://example.org:8883',
        '--interval',
        '500ms',
        // A negative number needs the = form, or it reads as a short option.
        '--seed=-7',
        '--qos',
        '0',
        '--count',
        '3',
      ],
      {},
    )
    expect('args' in parsed && parsed.args).toMatchObject({
      url: 'mqtts://example.org:8883',
      intervalMs: 500,
      seed: -7,
      qos: 0,
      count: 3,
    })
  })

  it('takes the password from MIMAMORI_DEVICE_PASSWORD and the port from MQTT_PORT', () => {
    const parsed = parseSimulateArgs(['--device', 'p-01', '--kind', 'rail'], {
      MIMAMORI_DEVICE_PASSWORD: 'from-env',
      MQTT_PORT: '11883',
    })
    expect('args' in parsed && parsed.args).toMatchObject({
      password: 'from-env',
      url: 'mqtt://localhost:11883',
    })
  })

  it('asks for help with --help or -h', () => {
    expect(parseSimulateArgs(['--help'], {})).toEqual({ help: true })
    expect(parseSimulateArgs(['-h'], {})).toEqual({ help: true })
  })

  it('explains each kind of bad argument in one sentence', () => {
    expect(error([])).toMatch(/--device is required/)
    expect(error(['--device', 'bad id!', '--kind', 'paddy', '--password', 'x'])).toMatch(/not a valid id/)
    expect(error(['--device', 'p-01', '--password', 'x'])).toMatch(
      /--kind is required: one of paddy, reservoir, rail/,
    )
    expect(error(['--device', 'p-01', '--kind', 'dam', '--password', 'x'])).toMatch(/"dam" is unknown/)
    expect(error(['--device', 'p-01', '--kind', 'paddy'])).toMatch(/MIMAMORI_DEVICE_PASSWORD/)
    expect(error([...BASE, '--interval', 'soon'])).toMatch(/not a duration/)
    expect(error([...BASE, '--interval', '0'])).toMatch(/between/)
    expect(error([...BASE, '--qos', '2'])).toMatch(/0 or 1/)
    expect(error([...BASE, '--count', '0'])).toMatch(/1 or more/)
    expect(error([...BASE, '--seed', 'abc'])).toMatch(/whole number/)
    expect(error([...BASE, '--url', 'http://localhost'])).toMatch(/must start with mqtt/)
    expect(error([...BASE, '--url', 'localhost:1883'])).toMatch(/must start with mqtt/)
    expect(error([...BASE, '--devce', 'x'])).toMatch(/--devce/)
    expect(error([...BASE, 'extra'])).toMatch(/unexpected argument "extra"/)
  })
})

describe('parseDuration', () => {
  it('reads ms, s, m and bare seconds', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('5s')).toBe(5000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('5')).toBe(5000)
    expect(parseDuration('5 h')).toBeUndefined()
    expect(parseDuration('-5s')).toBeUndefined()
  })
})
