/**
 * The credentials of this gateway's devices, as the centre last sent them on its retained
 * `v1/gateways/{id}/devices` list, kept on disk so devices can still authenticate when the
 * gateway restarts while the uplink is down. It implements the broker's `DeviceDirectory`, so the
 * broker's hooks give local devices the same auth and ACL as at the centre.
 */
import { readFileSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import type { DeviceDirectory } from '../broker/ingest-port.js'
import { type DeviceKind, type GatewayDevices, GatewayDevicesSchema } from '../firmware-contracts/index.js'

interface Entry {
  id: string
  kind: DeviceKind
  secretHash: string
}

export interface SyncedDirectory extends DeviceDirectory {
  kindOf(deviceId: string): DeviceKind | undefined
  ids(): string[]
  readonly size: number
  /** Whether a list came from the centre since start (the file alone may be stale). */
  readonly fresh: boolean
  /** Applies a list received from the centre (and saves it); resolves with the devices that left
   * it or got a new secret, which must authenticate again. */
  update(payload: Buffer): Promise<{ removed: string[] } | null>
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, file)
  const dir = await open(dirname(file), 'r')
  await dir.sync().finally(() => dir.close())
}

function parseList(text: string, gatewayId: string): GatewayDevices | string {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  const parsed = GatewayDevicesSchema.safeParse(json)
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'schema'
  if (parsed.data.gatewayId !== gatewayId) return `list is for gateway ${parsed.data.gatewayId}`
  return parsed.data
}

export function loadSyncedDirectory(options: {
  file: string
  gatewayId: string
  log: Logger
}): SyncedDirectory {
  const { file, gatewayId } = options
  const log = options.log.child({ component: 'directory' })
  let devices = new Map<string, Entry>()
  let fresh = false
  try {
    const list = parseList(readFileSync(file, 'utf8'), gatewayId)
    if (typeof list === 'string') log.error({ file, reason: list }, 'saved device list ignored')
    else devices = new Map(list.devices.map((d) => [d.id, d]))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.error({ err, file }, 'saved device list unreadable')
  }
  log.info({ devices: devices.size }, 'device list loaded')
  let writes: Promise<void> = Promise.resolve()

  return {
    get(deviceId) {
      const d = devices.get(deviceId)
      return d && { id: d.id, secretHash: d.secretHash, revokedAt: null, gatewayId }
    },
    // gateways do not connect to a gateway
    getGateway: () => undefined,
    kindOf: (deviceId) => devices.get(deviceId)?.kind,
    ids: () => [...devices.keys()],
    get size() {
      return devices.size
    },
    get fresh() {
      return fresh
    },
    async update(payload) {
      const text = payload.toString('utf8')
      const list = parseList(text, gatewayId)
      if (typeof list === 'string') {
        log.error({ reason: list }, 'device list from the centre refused')
        return null
      }
      const next = new Map(list.devices.map((d) => [d.id, d]))
      const removed = [...devices.keys()].filter(
        (id) => next.get(id)?.secretHash !== devices.get(id)?.secretHash,
      )
      devices = next
      fresh = true
      log.info({ devices: next.size, removed }, 'device list updated')
      writes = writes
        .then(() => writeAtomically(file, JSON.stringify(list)))
        .catch((err: unknown) => log.error({ err, file }, 'device list not saved'))
      await writes
      return { removed }
    },
  }
}
