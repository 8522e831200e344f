/**
 * Writes the JSON Schema files and example vectors that firmware teams test against.
 * Run `npm run contracts:gen` after changing a schema; a unit test fails while they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { CommandAckSchema, CommandSchema } from './command.js'
import { GatewayDevicesSchema, GatewayStatusSchema } from './gateway.js'
import { KIND_METRICS } from './kinds.js'
import { StatusSchema } from './status.js'
import { TelemetryPayloadSchema } from './telemetry.js'
import { TELEMETRY_VECTORS } from './vector-cases.js'

const here = dirname(fileURLToPath(import.meta.url))

function schemaFile(id: string, title: string, schema: z.ZodType): string {
  // io: 'input' describes what is on the wire (before the timestamp transform)
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' })
  return `${JSON.stringify({ $id: `https://mimamori.example/schemas/v1/${id}.json`, title, ...json }, null, 2)}\n`
}

/** Every generated file: path relative to firmware-contracts/ → content. */
export function generatedFiles(): Record<string, string> {
  return {
    'schemas/telemetry.json': schemaFile(
      'telemetry',
      'Telemetry payload (one reading or a batch)',
      TelemetryPayloadSchema,
    ),
    'schemas/status.json': schemaFile('status', 'Device status (retained)', StatusSchema),
    'schemas/cmd.json': schemaFile('cmd', 'Downlink command', CommandSchema),
    'schemas/cmd-ack.json': schemaFile('cmd-ack', 'Command acknowledgement', CommandAckSchema),
    'schemas/gateway-status.json': schemaFile(
      'gateway-status',
      'Gateway status (retained)',
      GatewayStatusSchema,
    ),
    'schemas/gateway-devices.json': schemaFile(
      'gateway-devices',
      'Devices served by a gateway (retained, from the centre)',
      GatewayDevicesSchema,
    ),
    'schemas/metrics.json': `${JSON.stringify(KIND_METRICS, null, 2)}\n`,
    'vectors/telemetry.json': `${JSON.stringify(TELEMETRY_VECTORS, null, 2)}\n`,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, content] of Object.entries(generatedFiles())) {
    const target = join(here, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content)
    process.stdout.write(`wrote firmware-contracts/${path}\n`)
  }
}
