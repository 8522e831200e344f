import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEVICE_KINDS } from '../firmware-contracts/index.js'
import { loadDeviceDirectory } from '../ingest/device-directory.js'
import { provisionDevice } from '../ingest/provisioning.js'
import { openEmbeddedStore } from '../ingest/store/duckdb/index.js'
import { callAdminSocket } from './admin-client.js'
import type { SystemConfig } from './config.js'
import { loadSecretKey } from './secret-key.js'
import { ADMIN_SOCKET, DB_FILE } from './system.js'

export interface Io {
  out(text: string): void
  err(text: string): void
}

export const DEVICE_HELP = `Usage: mimamori device <command>

  device add <id> --kind paddy|reservoir|rail [--site NAME] [--lat DEG --lon DEG]
      Registers a device and prints its MQTT password once. Only a keyed hash is stored:
      note the password now, it cannot be shown again.
  device list
  device remove <id>
      Removes the device; if it is connected, it is disconnected at once.

Works whether or not mimamori is running: while it runs, the command goes through the
server's local admin socket (DATA_DIR/mimamori.sock); otherwise it opens DATA_DIR directly.
`

interface DeviceRow {
  id: string
  kind: string
  site: string | null
  lastSeen?: number | null
}

interface Backend {
  add(input: {
    id: string
    kind: string
    site: string | null
    lat: number | null
    lon: number | null
  }): Promise<{ password: string }>
  list(): Promise<DeviceRow[]>
  remove(id: string): Promise<boolean>
  close(): void
}

async function socketBackend(socketPath: string): Promise<Backend | undefined> {
  if (!existsSync(socketPath)) return undefined
  try {
    await callAdminSocket(socketPath, 'GET', '/me')
  } catch {
    return undefined // a stale socket file left by a killed process
  }
  const fail = (status: number, body: unknown) =>
    new Error((body as { error?: string })?.error ?? `server answered ${status}`)
  return {
    async add(input) {
      const res = await callAdminSocket(socketPath, 'POST', '/devices', input)
      if (res.status !== 201) throw fail(res.status, res.body)
      return { password: (res.body as { password: string }).password }
    },
    async list() {
      const res = await callAdminSocket(socketPath, 'GET', '/devices')
      if (res.status !== 200) throw fail(res.status, res.body)
      return (res.body as { devices: DeviceRow[] }).devices
    },
    async remove(id) {
      const res = await callAdminSocket(socketPath, 'DELETE', `/devices/${encodeURIComponent(id)}`)
      if (res.status === 404) return false
      if (res.status !== 204) throw fail(res.status, res.body)
      return true
    },
    close() {},
  }
}

async function directBackend(config: SystemConfig): Promise<Backend> {
  const store = await openEmbeddedStore(join(config.dataDir, DB_FILE))
  const directory = await loadDeviceDirectory(store.meta)
  return {
    add: (input) => provisionDevice(directory, loadSecretKey(config.dataDir, config.secretKey), input),
    list: async () => directory.list(),
    remove: (id) => directory.remove(id),
    close: () => store.close(),
  }
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
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, id] = positionals
  if (values.help || !command) {
    io.out(DEVICE_HELP)
    return command ? 0 : 2
  }
  if ((command === 'add' || command === 'remove') && !id) {
    io.err(`mimamori device ${command}: a device id is required\n\n${DEVICE_HELP}`)
    return 2
  }
  if (command === 'add' && !values.kind) {
    io.err(`mimamori device add: --kind is required (${DEVICE_KINDS.join(', ')})\n`)
    return 2
  }
  if (!['add', 'list', 'remove'].includes(command)) {
    io.err(`mimamori device: unknown command "${command}"\n\n${DEVICE_HELP}`)
    return 2
  }

  const backend = (await socketBackend(join(config.dataDir, ADMIN_SOCKET))) ?? (await directBackend(config))
  try {
    if (command === 'add') {
      const coordinate = (text: string | undefined, limit: number, name: string) => {
        if (text === undefined) return null
        const value = Number(text)
        if (!Number.isFinite(value) || Math.abs(value) > limit)
          throw new Error(`--${name} must be a number within ±${limit}`)
        return value
      }
      const { password } = await backend.add({
        id: id as string,
        kind: values.kind as string,
        site: values.site ?? null,
        lat: coordinate(values.lat, 90, 'lat'),
        lon: coordinate(values.lon, 180, 'lon'),
      })
      io.out(
        `Device ${id} (${values.kind}) registered.\n\n  MQTT username: ${id}\n  MQTT client id: ${id}\n  MQTT password: ${password}\n\n` +
          'This password is shown only once. Publish telemetry to v1/devices/' +
          `${id}/telemetry (see docs/devices.md).\n`,
      )
    } else if (command === 'list') {
      const devices = await backend.list()
      if (devices.length === 0)
        io.out('No devices. Add one with: npm run cli -- device add <id> --kind paddy\n')
      for (const d of devices) io.out(`${d.id}\t${d.kind}\t${d.site ?? '-'}\n`)
    } else {
      if (!(await backend.remove(id as string))) {
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
    backend.close()
  }
}
