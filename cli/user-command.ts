import { parseArgs } from 'node:util'
import { openAdminBackend } from './admin-backend.js'
import type { SystemConfig } from './config.js'
import type { Io } from './device-command.js'

export const USER_HELP = `Usage: mimamori user <command>

  user add <name> --role admin|operator|viewer [--kinds paddy,rail] [--sites "棚田 A,棚田 B"]
      Creates a dashboard user and prints a generated password once (or set MIMAMORI_NEW_PASSWORD).
      Without --kinds/--sites the user sees everything; a farmer is an operator with the sites
      of their paddies; a rail crew a viewer or operator with --kinds rail.
  user list
  user remove <name>
`

const list = (text: string | undefined) =>
  text === undefined
    ? null
    : text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)

export async function runUserCommand(
  argv: string[],
  config: SystemConfig,
  io: Io,
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      kinds: { type: 'string' },
      sites: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, name] = positionals
  if (values.help || !command) {
    io.out(USER_HELP)
    return command ? 0 : 2
  }
  if (
    !['add', 'list', 'remove'].includes(command) ||
    ((command === 'add' || command === 'remove') && !name)
  ) {
    io.err(`mimamori user: expected add <name>, list or remove <name>\n\n${USER_HELP}`)
    return 2
  }
  if (command === 'add' && !['admin', 'operator', 'viewer'].includes(values.role ?? '')) {
    io.err('mimamori user add: --role must be admin, operator or viewer\n')
    return 2
  }
  const backend = await openAdminBackend(config)
  try {
    if (command === 'add') {
      const result = await backend.addUser({
        username: name as string,
        role: values.role as 'admin' | 'operator' | 'viewer',
        ...(env.MIMAMORI_NEW_PASSWORD ? { password: env.MIMAMORI_NEW_PASSWORD } : {}),
        kinds: list(values.kinds),
        sites: list(values.sites),
      })
      io.out(
        `User ${name} (${values.role}) created.${result.password ? `\n\n  password: ${result.password}\n\nShown only once.` : ''}\n`,
      )
    } else if (command === 'list') {
      for (const u of await backend.listUsers()) {
        io.out(
          `${u.username}\t${u.role}\tkinds=${u.kinds?.join(',') ?? 'all'}\tsites=${u.sites?.join(',') ?? 'all'}\n`,
        )
      }
    } else {
      if (!(await backend.removeUser(name as string))) {
        io.err(`no user ${name}\n`)
        return 1
      }
      io.out(`User ${name} removed.\n`)
    }
    return 0
  } catch (err) {
    io.err(`mimamori user ${command}: ${(err as Error).message}\n`)
    return 1
  } finally {
    await backend.close()
  }
}
