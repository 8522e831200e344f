import { parseArgs } from 'node:util'
import { DEVICE_KINDS } from '../firmware-contracts/index.js'
import { openAdminBackend } from './admin-backend.js'
import type { SystemConfig } from './config.js'

export interface Io {
  out(text: string): void
  err(text: string): void
}

export const DEVICE_HELP = `Usage: mimamori device <command>

  device add <id> --kind paddy|reservoir|rail [--site NAME] [--lat DEG --lon DEG] [--gateway GW]
      Registers a device and prints its MQTT password once. Only a keyed hash is stored:
      note the password now, it cannot be shown again. With --gateway the device may also
      reach the centre through that edge gateway (which then knows how to check its password).
  device list
  device remove <id>
  device rotate <id> | device revoke <id>
      A new password (the old one stops working), or refusal from now on; either disconnects it.
      Removes the device; if it is connected, it is disconnected at once.

Works whether or not mimamori is running: while it runs, the command goes through the
server's local admin socket (DATA_DIR/mimamori.sock); otherwise it opens DATA_DIR directly.
With DATABASE_URL (scale-out brokers) it writes to PostgreSQL, and every broker follows at once;
MIMAMORI_SECRET_KEY must then be the brokers' key.
`

function coordinate(text: string | undefined, limit: number, name: string): number | null {
  if (text === undefined) return null
  const value = Number(text)
  if (!Number.isFinite(value) || Math.abs(value) > limit)
    throw new Error(`--${name} must be a number within ±${limit}`)
  return value
}

export async function runDeviceCommand(argv: string[], config: SystemConfig, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      site: { type: 'string' },
      lat: { type: 'string' },
      lon: { type: 'string' },
      gateway: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, id] = positionals
  if (values.help || !command) {
    io.out(DEVICE_HELP)
    return command ? 0 : 2
  }
  if (!['add', 'list', 'remove'].includes(command)) {
    io.err(`mimamori device: unknown command "${command}"\n\n${DEVICE_HELP}`)
    return 2
  }
  if ((command === 'add' || command === 'remove') && !id) {
    io.err(`mimamori device ${command}: a device id is required\n\n${DEVICE_HELP}`)
    return 2
  }
  if (command === 'add' && !values.kind) {
    io.err(`mimamori device add: --kind is required (${DEVICE_KINDS.join(', ')})\n`)
    return 2
  }

  const backend = await openAdminBackend(config)
  try {
    if (command === 'add') {
      const { password } = await backend.addDevice({
        id: id as string,
        kind: values.kind as string,
        site: values.site ?? null,
        lat: coordinate(values.lat, 90, 'lat'),
        lon: coordinate(values.lon, 180, 'lon'),
        gatewayId: values.gateway ?? null,
      })
      io.out(
        `Device ${id} (${values.kind}) registered.\n\n  MQTT username: ${id}\n  MQTT client id: ${id}\n  MQTT password: ${password}\n\n` +
          `This password is shown only once. Publish telemetry to v1/devices/${id}/telemetry (see docs/devices.md).\n`,
      )
    } else if (command === 'list') {
      const devices = await backend.listDevices()
      if (devices.length === 0)
        io.out('No devices. Add one with: npm run cli -- device add <id> --kind paddy\n')
      for (const d of devices)
        io.out(`${d.id}\t${d.kind}\t${d.site ?? '-'}${d.gatewayId ? `\tvia ${d.gatewayId}` : ''}\n`)
    } else {
      if (!(await backend.removeDevice(id as string))) {
        io.err(`no device ${id}\n`)
        return 1
      }
      io.out(`Device ${id} removed.\n`)
    }
    return 0
  } catch (err) {
    io.err(`mimamori device ${command}: ${(err as Error).message}\n`)
    return 1
  } finally {
    await backend.close()
  }
}
