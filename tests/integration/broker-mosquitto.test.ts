/**
 * The broker with Debian's mosquitto clients (mosquitto_pub / mosquitto_sub), as a device maker
 * or a city's other systems would use it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { createAcl } from '../../broker/acl-file.js'
import { hashServicePassword } from '../../broker/service-passwords.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { missingProgram } from '../helpers/requirements.js'
import { eventually } from '../helpers/system.js'

const skip = missingProgram('/usr/bin/mosquitto_pub', 'mosquitto-clients')

let tb: TestBroker | undefined
const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await tb?.stop()
  tb = undefined
})

function run(program: string, args: string[], timeoutMs = 10_000) {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
  return { child, done, stdout: () => stdout }
}

const port = () => String((tb as TestBroker).broker.port)
const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, m: { water_depth_cm: 7.5 } })

describe.skipIf(skip)('standard clients: mosquitto_pub and mosquitto_sub', () => {
  it('lets a device publish telemetry with mosquitto_pub at QoS 1 and 2', async () => {
    tb = await startTestBroker()
    const password = tb.addDevice('paddy-7')
    for (const qos of ['1', '2']) {
      const pub = run('/usr/bin/mosquitto_pub', [
        ...[
          '-h',
          '127.0.0.1',
          '-p',
          port(),
          '-V',
          'mqttv311',
          '-i',
          'paddy-7',
          '-u',
          'paddy-7',
          '-P',
          password,
        ],
        ...['-q', qos, '-t', 'v1/devices/paddy-7/telemetry', '-m', reading(Number(qos))],
      ])
      expect((await pub.done).code).toBe(0)
    }
    expect(tb.telemetry.map((t) => JSON.parse(t.payload).seq)).toEqual([1, 2])
    const wrong = run('/usr/bin/mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', port(), '-i', 'paddy-7', '-u', 'paddy-7', '-P', 'nope'],
      ...['-t', 'v1/devices/paddy-7/telemetry', '-m', reading(3)],
    ])
    const refused = await wrong.done
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/not authori[sz]ed|bad user ?name or password|Connection Refused/i)
  })

  it('delivers device telemetry and retained status to a mosquitto_sub service user (role ingest)', async () => {
    const acl = createAcl({
      users: [
        {
          username: 'archiver',
          password: await hashServicePassword('archiver-pass-1'),
          role: 'ingest',
          rules: [],
        },
      ],
    })
    tb = await startTestBroker({ acl })
    const password = tb.addDevice('res-1')
    const device = await mqtt.connectAsync(tb.url, {
      clientId: 'res-1',
      username: 'res-1',
      password,
      reconnectPeriod: 0,
    })
    const sub = run('/usr/bin/mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', port(), '-i', 'archiver-1', '-u', 'archiver', '-P', 'archiver-pass-1'],
      ...[
        '-q',
        '1',
        '-v',
        '-C',
        '2',
        '-W',
        '15',
        '-t',
        'v1/devices/+/status',
        '-t',
        'v1/devices/+/telemetry',
      ],
    ])
    // the broker's retained `online` arrives first, then the live reading
    await eventually(() => sub.stdout().includes('v1/devices/res-1/status'), 10_000, 'the retained status')
    await device.publishAsync('v1/devices/res-1/telemetry', reading(1), { qos: 1 })
    const out = await sub.done
    expect(out.code).toBe(0)
    const lines = out.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^v1\/devices\/res-1\/status \{"state":"online"/)
    expect(lines[1]).toMatch(/^v1\/devices\/res-1\/telemetry \{"ts":/)
    await device.endAsync()
  })

  it('carries QoS 2, retained messages and last wills for anonymous plain-broker clients', async () => {
    tb = await startTestBroker({ env: { MQTT_ALLOW_ANONYMOUS: 'true' } })
    const retained = run('/usr/bin/mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', port(), '-q', '2', '-r', '-t', 'city/bus/12', '-m', 'on-time'],
    ])
    expect((await retained.done).code).toBe(0)
    const sub = run('/usr/bin/mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', port(), '-q', '2', '-v', '-C', '2', '-W', '15', '-t', 'city/#'],
    ])
    await eventually(() => sub.stdout().includes('on-time'), 10_000, 'the retained message')
    // a client with a will that dies without DISCONNECT
    const dying = run('/usr/bin/mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', port(), '-t', 'nothing', '--will-topic', 'city/sensor/9'],
      ...['--will-payload', 'lost', '--will-qos', '1'],
    ])
    await eventually(
      async () => (await tb?.metric('mimamori_mqtt_connections')) === 2,
      10_000,
      'both subscribers',
    )
    dying.child.kill('SIGKILL')
    const out = await sub.done
    expect(out.code).toBe(0)
    expect(out.stdout.trim().split('\n')).toEqual(['city/bus/12 on-time', 'city/sensor/9 lost'])
    // but never device topics
    const intruder = run('/usr/bin/mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', port(), '-q', '1', '-t', 'v1/devices/paddy-1/telemetry', '-m', reading(1)],
    ])
    await intruder.done
    expect(tb.telemetry).toEqual([])
    expect(await tb.metric('mimamori_mqtt_refused_total', { reason: 'acl' })).toBe(1)
  })
})
