import { afterEach, describe, expect, it } from 'vitest'
import { telemetryTopic, validateTelemetry } from '../firmware-contracts/index.js'
import { runSimulateCommand, type SimulateIo } from './cli.js'
import { startTestBroker, type TestBroker, waitFor } from './testing/test-broker.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function broker(): Promise<TestBroker> {
  const b = await startTestBroker({ credentials: { 'rail-01': 'pw-rail' } })
  cleanups.push(() => b.close())
  return b
}

function capture(extra: Partial<SimulateIo> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: SimulateIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    env: {},
    signal: new AbortController().signal,
    ...extra,
  }
  return { io, out: () => out.join(''), err: () => err.join('') }
}

describe('runSimulateCommand', () => {
  it('prints help with examples and exits 0', async () => {
    const c = capture()
    expect(await runSimulateCommand(['--help'], c.io)).toBe(0)
    expect(c.out()).toMatch(/Usage: npm run simulate -- --device ID --kind KIND/)
    expect(c.out()).toMatch(/Examples:/)
    expect(c.out()).toMatch(/MIMAMORI_DEVICE_PASSWORD/)
  })

  it('exits 2 with a clear message on bad arguments', async () => {
    const c = capture()
    expect(await runSimulateCommand(['--device', 'rail-01', '--kind', 'tram'], c.io)).toBe(2)
    expect(c.err()).toMatch(/simulate: --kind "tram" is unknown/)
    expect(c.err()).toMatch(/--help/)
    expect(c.out()).toBe('')
  })

  it('publishes --count readings, then stops and exits 0', async () => {
    const b = await broker()
    const c = capture({ env: { MIMAMORI_DEVICE_PASSWORD: 'pw-rail' } })
    const code = await runSimulateCommand(
      [
        '--device',
        'rail-01',
        '--kind',
        'rail',
        '--url',
        b.url,
        '--interval',
        '20ms',
        '--count',
        '3',
        '--demo',
      ],
      c.io,
    )
    expect(code).toBe(0)
    expect(c.out()).toMatch(
      /Simulating rail device rail-01: one reading every 20 ms \(demo profile, QoS 1, 3 readings\)/,
    )
    expect(c.out()).toMatch(/Stopped: [3-9] readings published/)
    const sent = b.publishes.filter((p) => p.topic === telemetryTopic('rail-01'))
    expect(sent.length).toBeGreaterThanOrEqual(3)
    expect(sent.every((p) => validateTelemetry('rail', p.payload).ok)).toBe(true)
    expect(b.publishes.at(-1)?.payload).toBe('{"state":"offline"}')
  })

  it('prints progress lines while running and stops cleanly when signalled', async () => {
    const b = await broker()
    const controller = new AbortController()
    const c = capture({ signal: controller.signal, progressIntervalMs: 50 })
    const running = runSimulateCommand(
      [
        '--device',
        'rail-01',
        '--kind',
        'rail',
        '--password',
        'pw-rail',
        '--url',
        b.url,
        '--interval',
        '20ms',
      ],
      c.io,
    )
    await waitFor(() => /rail-01: \d+ published \| rail_temp_c=/.test(c.out()), 5000, 'a progress line')
    controller.abort()
    expect(await running).toBe(0)
    expect(c.out()).toMatch(/Stopped: \d+ readings published\./)
  })

  it('exits 1 and says why when the broker refuses the password', async () => {
    const b = await broker()
    const c = capture()
    const code = await runSimulateCommand(
      ['--device', 'rail-01', '--kind', 'rail', '--password', 'wrong', '--url', b.url],
      c.io,
    )
    expect(code).toBe(1)
    expect(c.err()).toMatch(/refused the credentials/)
  })
})
