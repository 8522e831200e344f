import { parseArgs } from 'node:util'
import { openAdminBackend } from './admin-backend.js'
import type { SystemConfig } from './config.js'
import type { Io } from './device-command.js'

export const GATEWAY_HELP = `Usage: mimamori gateway <command>

  gateway add <id>
      Registers an edge gateway and prints, once, its MQTT password and its device key.
      Configure the gateway with both (GATEWAY_ID, GATEWAY_PASSWORD, GATEWAY_DEVICE_KEY).
      Then add its devices with: mimamori device add <id> --kind paddy --gateway <gateway id>
  gateway list
  gateway remove <id>
      Only once no device is assigned to it.
  gateway run
      Runs THIS machine as the edge gateway (store-and-forward); configured by GATEWAY_* variables.
`

export async function runGatewayCommand(argv: string[], config: SystemConfig, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  })
  const [command, id] = positionals
  if (values.help || !command) {
    io.out(GATEWAY_HELP)
    return command ? 0 : 2
  }
  if (!['add', 'list', 'remove'].includes(command) || ((command === 'add' || command === 'remove') && !id)) {
    io.err(`mimamori gateway: expected add <id>, list or remove <id>\n\n${GATEWAY_HELP}`)
    return 2
  }
  const backend = await openAdminBackend(config)
  try {
    if (command === 'add') {
      const { password, deviceKey } = await backend.addGateway(id as string)
      io.out(
        `Gateway ${id} registered.\n\n  GATEWAY_ID=${id}\n  GATEWAY_PASSWORD=${password}\n  GATEWAY_DEVICE_KEY=${deviceKey}\n\n` +
          'Both secrets are shown only once. See docs/gateway.md.\n',
      )
    } else if (command === 'list') {
      const gateways = await backend.listGateways()
      if (gateways.length === 0) io.out('No gateways. Add one with: npm run cli -- gateway add <id>\n')
      for (const g of gateways) io.out(`${g.id}\t${g.devices.length} devices\t${g.devices.join(',')}\n`)
    } else {
      if (!(await backend.removeGateway(id as string))) {
        io.err(`no gateway ${id}\n`)
        return 1
      }
      io.out(`Gateway ${id} removed.\n`)
    }
    return 0
  } catch (err) {
    io.err(`mimamori gateway ${command}: ${(err as Error).message}\n`)
    return 1
  } finally {
    await backend.close()
  }
}
