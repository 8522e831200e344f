/**
 * The ACL file (MQTT_ACL_FILE): service users with scrypt-hashed passwords, their topic rights,
 * and the rights of anonymous clients when MQTT_ALLOW_ANONYMOUS is on. JSON, validated with zod.
 *
 * @example
 * { "users": [{ "username": "ingest-a", "password": "scrypt$16384$8$1$…", "role": "ingest" }],
 *   "anonymous": { "rules": [{ "topic": "city/#", "access": "readwrite" },
 *                            { "topic": "city/secret/#", "access": "deny" }] } }
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { isValidFilter } from './topic-match.js'

export const ACCESS = ['read', 'write', 'readwrite', 'deny'] as const
export type Access = (typeof ACCESS)[number]

export const AclRuleSchema = z.strictObject({
  /** A topic filter; `%u` stands for the username and `%c` for the client id. */
  topic: z.string().min(1).max(1024).refine(isValidFilter, 'not a valid MQTT topic filter'),
  access: z.enum(ACCESS),
})
export type AclRule = z.infer<typeof AclRuleSchema>

/** Built-in rights of the service roles; a user's own rules come on top. */
export const SERVICE_ROLES = {
  /** An external ingest or archive subscriber (everything devices and gateways send). */
  ingest: [
    { topic: 'v1/devices/+/telemetry', access: 'read' },
    { topic: 'v1/devices/+/status', access: 'read' },
    { topic: 'v1/devices/+/image/+', access: 'read' },
    { topic: 'v1/devices/+/cmd/ack', access: 'read' },
    { topic: 'v1/gateways/+/status', access: 'read' },
  ],
  /** A dashboard or SCADA bridge: live values and statuses, and sending commands to devices. */
  dashboard: [
    { topic: 'v1/devices/+/telemetry', access: 'read' },
    { topic: 'v1/devices/+/status', access: 'read' },
    { topic: 'v1/devices/+/cmd/ack', access: 'read' },
    { topic: 'v1/gateways/+/status', access: 'read' },
    { topic: 'v1/devices/+/cmd', access: 'write' },
  ],
  /** Broker monitoring: `$SYS` (client ids, heartbeats). */
  monitor: [{ topic: '$SYS/#', access: 'read' }],
} as const satisfies Record<string, readonly AclRule[]>
export type ServiceRole = keyof typeof SERVICE_ROLES

export const AclUserSchema = z.strictObject({
  username: z.string().min(1).max(128),
  /** `scrypt$N$r$p$salt$hash`, as printed by `npm run cli -- mqtt-passwd`. */
  password: z
    .string()
    .regex(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/, 'must be a scrypt hash (mqtt-passwd)'),
  role: z.enum(Object.keys(SERVICE_ROLES) as [ServiceRole, ...ServiceRole[]]).optional(),
  rules: z.array(AclRuleSchema).max(1000).default([]),
})
export type AclUser = z.infer<typeof AclUserSchema>

export const AclFileSchema = z.strictObject({
  users: z
    .array(AclUserSchema)
    .max(10_000)
    .default([])
    .refine((users) => new Set(users.map((u) => u.username)).size === users.length, 'duplicate username'),
  /** Rights of anonymous clients (only with MQTT_ALLOW_ANONYMOUS); default: everything outside `v1/`. */
  anonymous: z.strictObject({ rules: z.array(AclRuleSchema).max(1000) }).optional(),
})
export type AclFile = z.infer<typeof AclFileSchema>

export interface Acl {
  user(username: string): (AclUser & { effectiveRules: readonly AclRule[] }) | undefined
  anonymousRules: readonly AclRule[]
}

export const DEFAULT_ANONYMOUS_RULES: readonly AclRule[] = [{ topic: '#', access: 'readwrite' }]

export function createAcl(file: AclFile): Acl {
  const users = new Map(
    file.users.map((u) => [
      u.username,
      { ...u, effectiveRules: [...(u.role ? SERVICE_ROLES[u.role] : []), ...u.rules] },
    ]),
  )
  return {
    user: (username) => users.get(username),
    anonymousRules: file.anonymous?.rules ?? DEFAULT_ANONYMOUS_RULES,
  }
}

export class AclFileError extends Error {
  readonly code = 'ACL_FILE'
}

/** Reads and validates the file; a bad file stops start-up with a message naming the field. */
export function loadAclFile(path: string): Acl {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new AclFileError(`cannot read MQTT_ACL_FILE ${path}: ${(err as Error).message}`)
  }
  const result = AclFileSchema.safeParse(parsed)
  if (!result.success) {
    throw new AclFileError(`invalid MQTT_ACL_FILE ${path}:\n${z.prettifyError(result.error)}`)
  }
  return createAcl(result.data)
}
