/**
 * `mimamori certs dev` — a development CA and a server certificate for localhost, written with
 * pure Node (broker/dev-certs.ts), and `mimamori certs device <id>` — a client certificate whose
 * CN is the device id, signed by that CA. For local use and tests, not for production.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createDevCertificates, issueCertificate, loadIssuer } from '../broker/dev-certs.js'
import { DEVICE_ID_PATTERN } from '../firmware-contracts/index.js'
import type { Io } from './device-command.js'

export const CERTS_HELP = `Usage: mimamori certs dev|device [options]

  certs dev [--dir DIR] [--name HOST]... [--force]
      Writes ca.crt, ca.key, server.crt and server.key to DIR (default DATA_DIR/certs), for
      localhost and 127.0.0.1 unless --name is given, and prints the settings that use them.
  certs device <id> [--dir DIR]
      Writes devices/<id>.crt and .key, a client certificate with CN=<id> signed by DIR/ca.crt,
      for devices that authenticate by certificate (MQTT_TLS_CA).
`

export function runCertsCommand(argv: string[], dataDir: string, io: Io): number {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    io.err(`mimamori certs: ${(err as Error).message}\n\n${CERTS_HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, id] = positionals
  const dir = resolve(values.dir ?? join(dataDir, 'certs'))
  const write = (name: string, text: string, secret = false) => {
    writeFileSync(join(dir, name), text, { mode: secret ? 0o600 : 0o644 })
  }
  if (command === 'dev') {
    if (!values.force && existsSync(join(dir, 'ca.key'))) {
      io.err(`mimamori certs dev: ${dir}/ca.key exists already (use --force to replace the CA)\n`)
      return 1
    }
    mkdirSync(dir, { recursive: true })
    const names = values.name?.length ? values.name : undefined
    const { ca, server } = createDevCertificates(names ? { altNames: names } : {})
    write('ca.crt', ca.certPem)
    write('ca.key', ca.keyPem, true)
    write('server.crt', server.certPem)
    write('server.key', server.keyPem, true)
    io.out(
      `Development certificates written to ${dir} (valid 825 days; not for production).\n\n` +
        `  MQTT_TLS_CERT=${join(dir, 'server.crt')}\n  MQTT_TLS_KEY=${join(dir, 'server.key')}\n` +
        `  MQTT_TLS_CA=${join(dir, 'ca.crt')}      # optional: devices may log in with client certificates\n\n` +
        `Clients trust ${join(dir, 'ca.crt')}, e.g. mosquitto_pub --cafile ${join(dir, 'ca.crt')} -p 8883 …\n`,
    )
    return 0
  }
  if (command === 'device' && id) {
    if (!DEVICE_ID_PATTERN.test(id)) {
      io.err(`mimamori certs device: invalid device id "${id}"\n`)
      return 2
    }
    if (!existsSync(join(dir, 'ca.key'))) {
      io.err(`mimamori certs device: no CA in ${dir}; run \`certs dev\` first\n`)
      return 1
    }
    const issuer = loadIssuer(
      readFileSync(join(dir, 'ca.crt'), 'utf8'),
      readFileSync(join(dir, 'ca.key'), 'utf8'),
    )
    const cert = issueCertificate({ commonName: id, days: 825, usage: 'client', issuer })
    mkdirSync(join(dir, 'devices'), { recursive: true })
    write(join('devices', `${id}.crt`), cert.certPem)
    write(join('devices', `${id}.key`), cert.keyPem, true)
    io.out(`Client certificate for ${id}: ${join(dir, 'devices', `${id}.crt`)} and .key\n`)
    return 0
  }
  io.err(CERTS_HELP)
  return 2
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      name: { type: 'string', multiple: true },
      force: { type: 'boolean' },
    },
  })
}
