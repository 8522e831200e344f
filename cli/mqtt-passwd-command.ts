/**
 * `mimamori mqtt-passwd [username]` — reads a password from standard input and prints its scrypt
 * hash for a service user in the broker's ACL file (MQTT_ACL_FILE, docs/broker.md).
 */
import { hashServicePassword } from '../broker/service-passwords.js'
import type { Io } from './device-command.js'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

export async function runMqttPasswdCommand(argv: string[], io: Io): Promise<number> {
  const [username = 'service-user'] = argv
  const password = await readStdin()
  if (password.length < 12) {
    io.err('mimamori mqtt-passwd: give a password of at least 12 characters on standard input\n')
    return 2
  }
  const hash = await hashServicePassword(password)
  io.out(`${JSON.stringify({ username, password: hash, role: 'ingest', rules: [] }, null, 2)}\n`)
  return 0
}
