/**
 * Device credentials through the whole system: rotate and revoke over REST and from the CLI
 * (through the admin socket while running, directly on DATA_DIR when stopped); a changed device
 * is disconnected at once. Also the broker's counters on the system's /metrics.
 */
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { loadSystemConfig } from '../../cli/config.js'
import { runCredentialsCommand } from '../../cli/credentials-command.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem | undefined
afterEach(async () => {
  await sys?.stop()
  sys = undefined
})

const connectCode = (url: string, id: string, password: string) =>
  mqtt.connectAsync(url, { clientId: id, username: id, password, reconnectPeriod: 0 }).then(
    async (c) => {
      await c.endAsync()
      return 0
    },
    (err: Error & { code?: number }) => err.code,
  )

function cli(dataDir: string) {
  const out: string[] = []
  const err: string[] = []
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }
  const config = loadSystemConfig({ DATA_DIR: dataDir, MIMAMORI_DEMO: '0' })
  return { run: (args: string[]) => runCredentialsCommand(args, config, io), out, err }
}

describe('device credentials', () => {
  it('rotates and revokes over REST, disconnecting the device at once', async () => {
    sys = await startTestSystem()
    const first = await sys.provisionDevice('paddy-1', 'paddy')
    const device = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'paddy-1',
      username: 'paddy-1',
      password: first,
      reconnectPeriod: 0,
    })
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()))
    const rotated = await sys.api<{ password: string; username: string }>('POST', '/devices/paddy-1/rotate')
    expect(rotated.status).toBe(200)
    expect(rotated.body.username).toBe('paddy-1')
    await closed
    expect(await connectCode(sys.mqttUrl, 'paddy-1', first)).toBe(4)
    const second = rotated.body.password
    const again = await mqtt.connectAsync(sys.mqttUrl, {
      clientId: 'paddy-1',
      username: 'paddy-1',
      password: second,
      reconnectPeriod: 0,
    })
    await again.publishAsync(
      telemetryTopic('paddy-1'),
      JSON.stringify({ ts: Date.now(), seq: 1, m: { water_depth_cm: 6 } }),
      {
        qos: 1,
      },
    )
    const gone = new Promise<void>((resolve) => again.once('close', () => resolve()))
    expect((await sys.api('POST', '/devices/paddy-1/revoke')).status).toBe(200)
    await gone
    expect(await connectCode(sys.mqttUrl, 'paddy-1', second)).toBe(5)
    expect(await sys.metric('mimamori_mqtt_auth_failures_total', { reason: 'revoked' })).toBe(1)
    // the device and its data stay
    expect((await sys.api('GET', '/devices/paddy-1')).status).toBe(200)
    expect(await sys.system.readings.count('paddy-1')).toBe(1)
    expect((await sys.api('POST', '/devices/nope/rotate')).status).toBe(404)
    expect((await sys.api('POST', '/devices/paddy-1/revoke', undefined, 'not-a-token')).status).toBe(401)
  })

  it('rotates and revokes from the CLI, while running and on a stopped DATA_DIR', async () => {
    sys = await startTestSystem()
    const { dataDir } = sys
    await sys.provisionDevice('res-1', 'reservoir')
    const tool = cli(dataDir)
    expect(await tool.run(['rotate', 'res-1'])).toBe(0)
    const password = /MQTT password: (\S+)/.exec(tool.out.join(''))?.[1] as string
    expect(await connectCode(sys.mqttUrl, 'res-1', password)).toBe(0)
    expect(await tool.run(['revoke', 'res-1'])).toBe(0)
    expect(await connectCode(sys.mqttUrl, 'res-1', password)).toBe(5)
    expect(await tool.run(['rotate', 'ghost'])).toBe(1)
    expect(tool.err.join('')).toMatch(/no device ghost/)
    await sys.system.stop()

    // stopped: the CLI opens DATA_DIR itself; the revocation survived the restart
    const offline = cli(dataDir)
    expect(await offline.run(['rotate', 'res-1'])).toBe(0)
    const fresh = /MQTT password: (\S+)/.exec(offline.out.join(''))?.[1] as string
    sys = await startTestSystem({ dataDir, ownsDir: true })
    expect(await connectCode(sys.mqttUrl, 'res-1', password)).toBe(4)
    expect(await connectCode(sys.mqttUrl, 'res-1', fresh)).toBe(0)
  })

  it('puts broker counters on /metrics', async () => {
    sys = await startTestSystem()
    const password = await sys.provisionDevice('rail-1', 'rail')
    expect(await connectCode(sys.mqttUrl, 'rail-1', password)).toBe(0)
    expect(await connectCode(sys.mqttUrl, 'rail-1', 'wrong')).toBe(4)
    const text = await eventually(async () => {
      const body = await (await fetch(`${sys?.httpUrl}/metrics`)).text()
      return body.includes('mimamori_mqtt_disconnects_total{reason="client_disconnect"} 1') && body
    })
    for (const line of [
      'mimamori_mqtt_connects_total 1',
      'mimamori_mqtt_auth_failures_total{reason="bad_password"} 1',
      'mimamori_mqtt_sockets{listener="tcp"}',
      'mimamori_mqtt_bytes_in_total',
      'mimamori_mqtt_bytes_out_total',
      'mimamori_mqtt_messages_in_total',
      'mimamori_mqtt_retained_messages 1',
      'mimamori_ingest_log_unloaded_bytes',
    ]) {
      expect(text).toContain(line)
    }
    // the embedded store's memory, so a soak can tell DuckDB's bounded cache from a leak
    const duckdb = Number(/^mimamori_duckdb_memory_bytes (\S+)$/m.exec(text)?.[1])
    expect(duckdb).toBeGreaterThan(0)
  })
})
