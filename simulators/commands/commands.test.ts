import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { looksLikeJpeg, parseDeviceTopic } from '../../firmware-contracts/index.js'
import { testDir } from '../../tests/helpers/temp-dir.js'
import { runSimulateCommand } from '../cli.js'
import { startTestBroker, type TestBroker, waitFor } from '../testing/test-broker.js'
import type { SimulateIo } from './common.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function broker(credentials: Record<string, string>): Promise<TestBroker> {
  const b = await startTestBroker({ credentials })
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

function tempFile(name: string, content: string): string {
  const file = join(testDir('sim'), name)
  writeFileSync(file, content)
  return file
}

describe('simulate: commands and help', () => {
  it('lists the commands above the device help, and each command has its own help', async () => {
    const c = capture()
    expect(await runSimulateCommand(['--help'], c.io)).toBe(0)
    expect(c.out()).toMatch(/Commands:[\s\S]*scenario[\s\S]*scenarios[\s\S]*load/)
    expect(c.out()).toMatch(/Usage: npm run simulate -- --device ID --kind KIND/)
    for (const [command, pattern] of [
      ['device', /--device ID --kind KIND/],
      ['camera', /--camera-interval TIME[\s\S]*--snapshot FILE/],
      ['scenario', /--credentials FILE[\s\S]*--time-scale N\|max[\s\S]*--align now[\s\S]*--dry-run/],
      ['scenarios', /Lists the built-in scenarios/],
      ['load', /p50, p99[\s\S]*--rate N[\s\S]*--pre-encoded/],
    ] as const) {
      const h = capture()
      expect(await runSimulateCommand([command, '--help'], h.io)).toBe(0)
      expect(h.out()).toMatch(pattern)
    }
  })

  it('refuses an unknown command', async () => {
    const c = capture()
    expect(await runSimulateCommand(['storm'], c.io)).toBe(2)
    expect(c.err()).toMatch(/unknown command "storm"/)
  })

  it('lists the built-in scenarios with both languages and their expected alerts', async () => {
    const c = capture()
    expect(await runSimulateCommand(['scenarios'], c.io)).toBe(0)
    expect(c.out()).toMatch(
      /typhoon-reservoir\n {2}A typhoon[\s\S]*台風[\s\S]*r-typhoon: reservoir-level-high \(warning\)/,
    )
    expect(c.out()).toMatch(/sensor-faults[\s\S]*device-silent \(warning\).*\[planned rule\]/)
  })
})

describe('simulate scenario', () => {
  it('--dry-run checks the timeline against the expected alerts without a broker', async () => {
    const c = capture()
    expect(await runSimulateCommand(['scenario', 'rail-heatwave', '--dry-run'], c.io)).toBe(0)
    expect(c.out()).toMatch(/ok {2}rail-deck: rail-action \(critical\)/)
    expect(c.out()).toMatch(/exactly the expected threshold alerts/)
  })

  it('without credentials, says which devices to register and how', async () => {
    const c = capture()
    expect(await runSimulateCommand(['scenario', 'typhoon-reservoir'], c.io)).toBe(2)
    expect(c.err()).toMatch(/no password for r-typhoon, r-prereleased/)
    expect(c.err()).toMatch(/npm run cli -- device add r-typhoon --kind reservoir/)
  })

  it('names the field of a bad scenario file and exits 2', async () => {
    const file = tempFile('bad.json', JSON.stringify({ name: 'bad', duration: '2 hours' }))
    const c = capture()
    expect(await runSimulateCommand(['scenario', file, '--dry-run'], c.io)).toBe(2)
    expect(c.err()).toMatch(/bad\.json is invalid[\s\S]*"2 hours" is not a duration[\s\S]*→ at duration/)
  })

  it('replays a built-in scenario against the broker and reports what it sent', async () => {
    const creds = { 'r-night': 'a', 'p-night': 'b', 'rail-night': 'c' }
    const b = await broker(creds)
    const file = tempFile('creds.json', JSON.stringify(creds))
    const c = capture()
    const code = await runSimulateCommand(
      ['scenario', 'night-uplink-outage', '--credentials', file, '--url', b.url, '--time-scale', 'max'],
      c.io,
    )
    expect(code).toBe(0)
    expect(c.out()).toMatch(/Done after .*: 294 telemetry messages and 9 images published, 0 not delivered/)
    expect(c.out()).toMatch(/Backfill: 3 batch payloads carrying 216 readings/)
    expect(c.out()).toMatch(/r-night: reservoir-level-high \(warning\).*\(late: from backfill\)/)
    expect(b.publishes.filter((p) => p.topic.endsWith('/telemetry'))).toHaveLength(294)
  })
})

describe('simulate load', () => {
  it('runs a small load from a credentials file and prints progress and a summary', async () => {
    const creds = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`l-${i}`, { password: `pw${i}`, kind: 'rail' }]),
    )
    const b = await broker(Object.fromEntries(Object.entries(creds).map(([id, v]) => [id, v.password])))
    const file = tempFile('creds.json', JSON.stringify(creds))
    const c = capture({ progressIntervalMs: 50 })
    const code = await runSimulateCommand(
      ['load', '--credentials', file, '--url', b.url, '--count', '500', '--pre-encoded', '--duration', '10s'],
      c.io,
    )
    expect(code).toBe(0)
    expect(c.out()).toMatch(/Load: 5 devices → .*flat out, QoS 1, pre-encoded packets/)
    expect(c.out()).toMatch(/sent {9}500\n {2}acked {8}500\n {2}errors {7}0/)
    expect(c.out()).toMatch(/latency {6}p50 .* ms, p99 .* ms/)
    expect(b.publishes).toHaveLength(500)
  })

  it('explains bad arguments', async () => {
    const file = tempFile('creds.json', JSON.stringify({ 'l-1': 'pw' }))
    const cases: Array<[string[], RegExp]> = [
      [[], /--credentials FILE is required/],
      [['--credentials', file, '--devices', '5'], /--devices 5, but .* lists only 1/],
      [['--credentials', file, '--rate', '10', '--interval', '5s'], /--rate or --interval, not both/],
      [['--credentials', file, '--duration', 'long'], /--duration "long" is not a duration/],
      [['--credentials', tempFile('c.json', '{"bad id!": "x"}')], /not a valid device id/],
      [['--credentials', file, '--url', 'ws://localhost:8083'], /--url must start with mqtt:/],
    ]
    for (const [args, pattern] of cases) {
      const c = capture()
      expect(await runSimulateCommand(['load', ...args], c.io)).toBe(2)
      expect(c.err()).toMatch(pattern)
    }
  })
})

describe('simulate camera', () => {
  it('--snapshot writes one picture without a broker', async () => {
    const file = join(testDir('cam'), 'pond.jpg')
    const c = capture()
    expect(
      await runSimulateCommand(['camera', '--snapshot', file, '--level', '9.4', '--rain', '30'], c.io),
    ).toBe(0)
    expect(c.out()).toMatch(/Wrote .*pond\.jpg: \d+ bytes, 320×240 JPEG, level 9\.4 m/)
    expect(looksLikeJpeg(readFileSync(file))).toBe(true)
  })

  it('runs a reservoir station that publishes readings and images', async () => {
    const b = await broker({ 'r-01': 'pw' })
    const controller = new AbortController()
    const c = capture({ signal: controller.signal, env: { MIMAMORI_DEVICE_PASSWORD: 'pw' } })
    const running = runSimulateCommand(
      ['camera', '--device', 'r-01', '--url', b.url, '--interval', '100ms', '--camera-interval', '200ms'],
      c.io,
    )
    await waitFor(
      () => b.publishes.some((p) => parseDeviceTopic(p.topic)?.channel === 'image'),
      5000,
      'an image',
    )
    controller.abort()
    expect(await running).toBe(0)
    expect(c.out()).toMatch(/Simulating reservoir device r-01: .*an image every 200 ms/)
    expect(c.out()).toMatch(/Stopped: \d+ readings published, [1-9]\d* camera images/)
    const c2 = capture()
    expect(await runSimulateCommand(['camera', '--device', 'r-01', '--kind', 'rail'], c2.io)).toBe(2)
    const c3 = capture()
    expect(
      await runSimulateCommand(
        ['--device', 'p-1', '--kind', 'paddy', '--password', 'x', '--camera-interval', '1m'],
        c3.io,
      ),
    ).toBe(2)
    expect(c3.err()).toMatch(/--camera-interval is for reservoir stations/)
  })
})
