/**
 * `mimamori mqtt-acl import <file>` and `mimamori mqtt-acl show`: the MQTT ACL of scale-out
 * brokers lives in PostgreSQL (DATABASE_URL); import validates an ACL file exactly as
 * MQTT_ACL_FILE is validated and replaces the stored ACL, and every broker reloads it at once.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { AclFileSchema } from '../broker/acl-file.js'
import { openPostgresMetaStore } from '../ingest/store/postgres/index.js'
import type { SystemConfig } from './config.js'
import type { Io } from './device-command.js'

export const MQTT_ACL_HELP = `Usage: mimamori mqtt-acl import <file> | mimamori mqtt-acl show

  import <file>   Validates the ACL file (the format of MQTT_ACL_FILE, docs/broker.md) and
                  replaces the ACL in PostgreSQL; every running broker reloads it.
  show            Prints the ACL stored in PostgreSQL as an ACL file.

Needs DATABASE_URL. A broker with MQTT_ACL_FILE set uses that file instead.
`

export async function runMqttAclCommand(argv: string[], config: SystemConfig, io: Io): Promise<number> {
  const [action, file, ...extra] = argv
  if (
    !((action === 'import' && file) || action === 'show') ||
    extra.length > 0 ||
    (action === 'show' && file)
  ) {
    io.err(MQTT_ACL_HELP)
    return 2
  }
  if (!config.databaseUrl) {
    io.err('mimamori mqtt-acl: DATABASE_URL is not set (the ACL of scale-out brokers lives in PostgreSQL)\n')
    return 2
  }
  try {
    const store = await openPostgresMetaStore(config.databaseUrl, { poolSize: 1 })
    try {
      if (action === 'show') {
        io.out(`${JSON.stringify(await store.acl.load(), null, 2)}\n`)
        return 0
      }
      const parsed = AclFileSchema.safeParse(JSON.parse(readFileSync(file as string, 'utf8')))
      if (!parsed.success) {
        io.err(`mimamori mqtt-acl: invalid ACL file ${file}:\n${z.prettifyError(parsed.error)}\n`)
        return 1
      }
      await store.acl.replace(parsed.data)
      io.out(
        `MQTT ACL replaced: ${parsed.data.users.length} users${parsed.data.anonymous ? ', anonymous rules' : ''}.\n`,
      )
      return 0
    } finally {
      await store.close()
    }
  } catch (err) {
    io.err(`mimamori mqtt-acl ${action}: ${(err as Error).message}\n`)
    return 1
  }
}
