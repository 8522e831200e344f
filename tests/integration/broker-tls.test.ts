/**
 * Listeners: MQTT over TCP, TLS, WebSocket and secure WebSocket, and device authentication by a
 * client certificate whose CN is the device id.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions } from 'mqtt'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createDevCertificates, issueCertificate } from '../../broker/dev-certs.js'
import { telemetryTopic } from '../../firmware-contracts/index.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { missingProgram } from '../helpers/requirements.js'

let tb: TestBroker | undefined
afterEach(async () => {
  await tb?.stop()
  tb = undefined
})

const { ca, server } = createDevCertificates()
const dir = mkdtempSync(join(tmpdir(), 'mimamori-certs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') }
writeFileSync(files.ca, ca.certPem)
writeFileSync(files.cert, server.certPem)
writeFileSync(files.key, server.keyPem)
const tlsEnv = { MQTT_TLS_CERT: files.cert, MQTT_TLS_KEY: files.key, MQTT_TLS_CA: files.ca }
const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, m: { rail_temp_c: 31.5 } })

async function publishOnce(url: string, options: IClientOptions, deviceId: string, seq: number) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options })
  await client.publishAsync(telemetryTopic(deviceId), reading(seq), { qos: 1 })
  await client.endAsync()
}

describe('listeners', () => {
  it('serves devices over TCP, TLS, WebSocket and secure WebSocket', async () => {
    tb = await startTestBroker({ env: tlsEnv })
    const password = tb.addDevice('rail-1')
    const creds = { clientId: 'rail-1', username: 'rail-1', password }
    const { port, wsPort, tlsPort, wssPort } = tb.broker
    expect(tlsPort).toBeGreaterThan(0)
    await publishOnce(`mqtt://127.0.0.1:${port}`, creds, 'rail-1', 1)
    await publishOnce(`ws://127.0.0.1:${wsPort}`, creds, 'rail-1', 2)
    await publishOnce(`mqtts://localhost:${tlsPort}`, { ...creds, ca: ca.certPem }, 'rail-1', 3)
    await publishOnce(`wss://localhost:${wssPort}`, { ...creds, ca: ca.certPem }, 'rail-1', 4)
    expect(tb.telemetry.map((t) => JSON.parse(t.payload).seq)).toEqual([1, 2, 3, 4])
    // an untrusted server certificate is refused by the client
    await expect(
      mqtt.connectAsync(`mqtts://localhost:${tlsPort}`, {
        ...creds,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      }),
    ).rejects.toThrow()
    const expiry = await tb.metric('mimamori_mqtt_tls_cert_expiry_timestamp_seconds')
    expect(expiry).toBeGreaterThan(Date.now() / 1000 + 30 * 86_400)
    for (const listener of ['tcp', 'ws', 'tls', 'wss']) {
      expect(await tb.metricsText()).toContain(`mimamori_mqtt_sockets{listener="${listener}"}`)
    }
  })

  it.skipIf(missingProgram('/usr/bin/mosquitto_pub', 'mosquitto-clients'))(
    'accepts mosquitto_pub over TLS with --cafile',
    async () => {
      tb = await startTestBroker({ env: tlsEnv })
      const password = tb.addDevice('rail-2')
      const child = spawn('/usr/bin/mosquitto_pub', [
        ...['-h', 'localhost', '-p', String(tb.broker.tlsPort), '--cafile', files.ca],
        ...[
          '-i',
          'rail-2',
          '-u',
          'rail-2',
          '-P',
          password,
          '-q',
          '1',
          '-t',
          telemetryTopic('rail-2'),
          '-m',
          reading(9),
        ],
      ])
      const code = await new Promise((resolve) => child.once('close', resolve))
      expect(code).toBe(0)
      expect(tb.telemetry.map((t) => t.deviceId)).toEqual(['rail-2'])
    },
  )

  it('authenticates a device by a client certificate whose CN is its id', async () => {
    tb = await startTestBroker({ env: tlsEnv })
    tb.addDevice('paddy-cert')
    const device = issueCertificate({ commonName: 'paddy-cert', days: 30, usage: 'client', issuer: ca })
    const stranger = issueCertificate({ commonName: 'paddy-unknown', days: 30, usage: 'client', issuer: ca })
    const url = `mqtts://localhost:${tb.broker.tlsPort}`
    const tls = (cert: typeof device) => ({ ca: ca.certPem, cert: cert.certPem, key: cert.keyPem })
    await publishOnce(url, { clientId: 'paddy-cert', ...tls(device) }, 'paddy-cert', 1)
    expect(tb.telemetry).toHaveLength(1)
    const refusal = (options: IClientOptions) =>
      mqtt.connectAsync(url, { reconnectPeriod: 0, ...options }).then(
        async (c) => {
          await c.endAsync()
          return 0
        },
        (err: Error & { code?: number }) => err.code,
      )
    // the certificate names the device: it cannot use another client id
    expect(await refusal({ clientId: 'someone-else', ...tls(device) })).toBe(5)
    // a certificate for an unknown CN gives no identity; without a password there is none
    expect(await refusal({ clientId: 'paddy-unknown', ...tls(stranger) })).toBe(4)
    const account = tb.devices.get('paddy-cert')
    if (account) account.revokedAt = Date.now()
    expect(await refusal({ clientId: 'paddy-cert', ...tls(device) })).toBe(5)
  })

  it('requires a client certificate when MQTT_TLS_REQUIRE_CLIENT_CERT is on', async () => {
    tb = await startTestBroker({ env: { ...tlsEnv, MQTT_TLS_REQUIRE_CLIENT_CERT: 'true' } })
    const password = tb.addDevice('paddy-9')
    const url = `mqtts://localhost:${tb.broker.tlsPort}`
    await expect(
      mqtt.connectAsync(url, {
        clientId: 'paddy-9',
        username: 'paddy-9',
        password,
        ca: ca.certPem,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      }),
    ).rejects.toThrow()
    const cert = issueCertificate({ commonName: 'paddy-9', days: 30, usage: 'client', issuer: ca })
    await publishOnce(
      url,
      { clientId: 'paddy-9', ca: ca.certPem, cert: cert.certPem, key: cert.keyPem },
      'paddy-9',
      1,
    )
    expect(tb.telemetry).toHaveLength(1)
    // plain TCP stays available for devices on the local network unless it is firewalled
    await publishOnce(tb.url, { clientId: 'paddy-9', username: 'paddy-9', password }, 'paddy-9', 2)
    expect(tb.telemetry).toHaveLength(2)
  })
})
