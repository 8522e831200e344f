import { z } from 'zod'
import { type AclFile, AclFileSchema } from '../../../broker/acl-file.js'
import type { PgDb } from './database.js'

/** The MQTT ACL in PostgreSQL: the same users, roles and rules as an MQTT_ACL_FILE. */
export interface AclStore {
  /** Reads and validates the ACL (a bad row is an error naming it, as for the file). */
  load(): Promise<AclFile>
  /** Replaces the whole ACL in one transaction (`mimamori mqtt-acl import`). */
  replace(file: AclFile): Promise<void>
}

export class AclStoreError extends Error {
  readonly code = 'ACL_FILE'
}

export function createPostgresAclStore(db: PgDb): AclStore {
  return {
    async load() {
      const users = await db.all<{
        username: string
        password_hash: string
        role: string | null
        rules: unknown
      }>('SELECT username, password_hash, role, rules FROM mqtt_acl_users ORDER BY username')
      const anonymous = await db.all<{ rules: unknown }>('SELECT rules FROM mqtt_acl_anonymous')
      const parsed = AclFileSchema.safeParse({
        users: users.map((u) => ({
          username: u.username,
          password: u.password_hash,
          ...(u.role ? { role: u.role } : {}),
          rules: u.rules,
        })),
        ...(anonymous[0] ? { anonymous: { rules: anonymous[0].rules } } : {}),
      })
      if (!parsed.success)
        throw new AclStoreError(`invalid MQTT ACL in PostgreSQL:\n${z.prettifyError(parsed.error)}`)
      return parsed.data
    },
    async replace(file) {
      await db.transaction(async (query) => {
        await query('DELETE FROM mqtt_acl_users')
        for (const user of file.users) {
          await query(
            'INSERT INTO mqtt_acl_users (username, password_hash, role, rules) VALUES ($1, $2, $3, $4::jsonb)',
            [user.username, user.password, user.role ?? null, JSON.stringify(user.rules)],
          )
        }
        await query('DELETE FROM mqtt_acl_anonymous')
        if (file.anonymous)
          await query('INSERT INTO mqtt_acl_anonymous (rules) VALUES ($1::jsonb)', [
            JSON.stringify(file.anonymous.rules),
          ])
      })
    },
  }
}
