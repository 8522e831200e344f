import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { openEmbeddedStore } from '../../ingest/store/duckdb/index.js'
import { runCli } from '../helpers/processes.js'
import { eventually } from '../helpers/system.js'

let dataDir: string
const children: ChildProcess[] = []

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mimamori-cli-'))
})
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

function cli(args: string[], env: Record<string, string> = {}) {
  const run = runCli(args, { DATA_DIR: dataDir, ...env })
  children.push(run.child)
  return run
}

/** For an exit-code assertion: the signal the process died of, if any, and the end of its stderr. */
const stoppedHow = (run: ReturnType<typeof cli>) =>
  `signal ${run.child.signalCode ?? 'none'}; stderr: ${run.output.stderr.slice(-3000)}`

const PORTS = {
  HTTP_PORT: '0',
  MQTT_PORT: '0',
  MQTT_WS_PORT: '0',
  HTTP_HOST: '127.0.0.1',
  MQTT_HOST: '127.0.0.1',
}

describe('the mimamori command', () => {
  it('stops start-up with a message naming a bad key', async () => {
    const run = cli(['start'], { HTTP_PORT: 'eighty' })
    expect(await run.exited).toBe(1)
    expect(run.output.stderr).toMatch(/HTTP_PORT/)
  })

  it('starts, prints a generated admin password once, manages devices through the running server, and stops on SIGTERM', async () => {
    const server = cli(['start'], PORTS)
    const banner = await eventually(
      () => server.output.stderr.match(/login +admin \/ (\S+)/) && server.output.stderr,
      30_000,
      'the banner',
    )
    const httpPort = banner.match(/dashboard +http:\/\/localhost:(\d+)/)?.[1]
    const mqttPort = banner.match(/MQTT +mqtt:\/\/localhost:(\d+)/)?.[1]
    const adminPassword = banner.match(/login +admin \/ (\S+)/)?.[1]
    expect(httpPort && mqttPort && adminPassword).toBeTruthy()

    // the server holds the DuckDB file: the CLI goes through its admin socket
    const add = cli(['device', 'add', 'paddy-cli', '--kind', 'paddy', '--site', 'Terrace A'])
    expect(await add.exited).toBe(0)
    const password = add.output.stdout.match(/MQTT password: (\S+)/)?.[1] as string
    expect(password).toHaveLength(43)

    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'paddy-cli',
      username: 'paddy-cli',
      password,
      reconnectPeriod: 0,
    })
    await device.publishAsync(
      telemetryTopic('paddy-cli'),
      JSON.stringify({ ts: Date.now(), seq: 1, m: { water_depth_cm: 7 } }),
      {
        qos: 1,
      },
    )
    await device.endAsync()

    const login = await fetch(`http://127.0.0.1:${httpPort}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    })
    expect(login.status).toBe(200)

    const list = cli(['device', 'list'])
    expect(await list.exited).toBe(0)
    expect(list.output.stdout).toContain('paddy-cli\tpaddy\tTerrace A')

    server.child.kill('SIGTERM')
    expect(await server.exited, stoppedHow(server)).toBe(0)

    // the reading survived shutdown
    const store = await openEmbeddedStore(join(dataDir, 'mimamori.duckdb'))
    expect(await store.readings.count('paddy-cli')).toBe(1)
    await store.close()

    // with the server gone the CLI opens the file itself
    const remove = cli(['device', 'remove', 'paddy-cli'])
    expect(await remove.exited).toBe(0)
    expect(remove.output.stdout).toContain('removed')

    const again = cli(['start'], PORTS)
    await eventually(() => again.output.stderr.includes('mimamori is running'), 30_000, 'the second start')
    expect(again.output.stderr).not.toMatch(/login +admin/) // the password is shown only on the first start
    again.child.kill('SIGTERM')
    // once in a CI run this exit code was null (killed by a signal): say which, and what it printed
    expect(await again.exited, stoppedHow(again)).toBe(0)
  })

  it('refuses a device with an unknown kind with a clear error', async () => {
    const add = cli(['device', 'add', 'x-1', '--kind', 'volcano'])
    expect(await add.exited).toBe(1)
    expect(add.output.stderr).toMatch(/unknown kind "volcano"/)
  })
})
