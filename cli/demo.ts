import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { z } from 'zod'
import { DEVICE_KINDS, type DeviceKind } from '../firmware-contracts/index.js'
import type { DeviceDirectory } from '../ingest/device-directory.js'
import { startSimulatedFleet } from '../simulators/device.js'

/** The demo fleet: a few devices of each kind, clearly named `demo-*`, simulated in-process over real MQTT. */
export const DEMO_DEVICES: ReadonlyArray<{ id: string; kind: DeviceKind; site: string }> = [
  { id: 'demo-paddy-1', kind: 'paddy', site: '棚田 上段 (Terrace A)' },
  { id: 'demo-paddy-2', kind: 'paddy', site: '棚田 下段 (Terrace B)' },
  { id: 'demo-reservoir-1', kind: 'reservoir', site: '大池 (Oike reservoir)' },
  { id: 'demo-rail-1', kind: 'rail', site: '1号線 東区間 (Line 1 east)' },
  { id: 'demo-rail-2', kind: 'rail', site: '1号線 西区間 (Line 1 west)' },
]

export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json'

const CredentialsSchema = z.record(z.string(), z.object({ kind: z.enum(DEVICE_KINDS), password: z.string() }))

/**
 * Demo credentials are generated per data directory (DESIGN.md: no fixed passwords) and kept in
 * DATA_DIR/demo-credentials.json (mode 0600) so the demo devices reconnect after a restart.
 */
export async function startDemoFleet(options: {
  dataDir: string
  directory: DeviceDirectory
  provision(input: { id: string; kind: string; site: string | null }): Promise<{ password: string }>
  mqttUrl: string
  intervalMs: number
  log: Logger
}): Promise<{ stop(): Promise<void> }> {
  const path = join(options.dataDir, DEMO_CREDENTIALS_FILE)
  const parsed = existsSync(path)
    ? CredentialsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
    : undefined
  const credentials = parsed?.success ? parsed.data : {}
  for (const device of DEMO_DEVICES) {
    if (credentials[device.id] && options.directory.get(device.id)) continue
    // a device without a known password (or removed by an operator) is provisioned afresh
    if (options.directory.get(device.id)) await options.directory.remove(device.id)
    const { password } = await options.provision({ id: device.id, kind: device.kind, site: device.site })
    credentials[device.id] = { kind: device.kind, password }
  }
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  options.log.info(
    { devices: DEMO_DEVICES.length, credentials: path },
    'demo fleet starting (MIMAMORI_DEMO=0 turns it off)',
  )
  const fleet = await startSimulatedFleet({
    url: options.mqttUrl,
    devices: DEMO_DEVICES.map((d) => ({
      deviceId: d.id,
      password: credentials[d.id]?.password ?? '',
      kind: d.kind,
    })),
    intervalMs: options.intervalMs,
    demo: true,
    seed: 1,
    log: (msg) => options.log.info(msg),
  })
  return { stop: () => Promise.resolve(fleet.stop()) }
}
