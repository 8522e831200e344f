import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCertsCommand } from './certs-command.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('certs command', () => {
  it('writes a development CA, a localhost server certificate and device client certificates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-certs-'))
    dirs.push(dir)
    const out: string[] = []
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) }
    expect(runCertsCommand(['dev'], dir, io)).toBe(0)
    const certs = join(dir, 'certs')
    const ca = new X509Certificate(readFileSync(join(certs, 'ca.crt')))
    const server = new X509Certificate(readFileSync(join(certs, 'server.crt')))
    expect(ca.ca).toBe(true)
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true)
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1')
    expect(statSync(join(certs, 'server.key')).mode & 0o777).toBe(0o600)
    expect(out.join('')).toContain(`MQTT_TLS_CERT=${join(certs, 'server.crt')}`)
    expect(runCertsCommand(['dev'], dir, io)).toBe(1) // the CA exists: not replaced without --force
    expect(runCertsCommand(['device', 'paddy-1'], dir, io)).toBe(0)
    const device = new X509Certificate(readFileSync(join(certs, 'devices', 'paddy-1.crt')))
    expect(device.subject).toBe('CN=paddy-1')
    expect(device.verify(ca.publicKey)).toBe(true)
    expect(runCertsCommand(['device', '../x'], dir, io)).toBe(2)
  })
})
