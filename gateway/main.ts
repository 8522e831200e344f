/**
 * `mimamori gateway run`: the gateway as its own process. The CLI calls `runGatewayProcess`
 * with the environment; it resolves with the exit code once the gateway stopped (SIGTERM or
 * SIGINT) or could not start.
 */
import pino from 'pino'
import { z } from 'zod'
import { loadGatewayConfig } from './config.js'
import { startGateway } from './server.js'

export interface GatewayIo {
  out(text: string): void
  err(text: string): void
}

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')

export const GATEWAY_RUN_HELP = `Usage: mimamori gateway run

Runs an edge gateway: devices connect to it as they would to the centre; it keeps their readings
in a durable outbox and forwards them to CENTRAL_MQTT_URL, catching up after uplink outages.

  GATEWAY_ID, GATEWAY_PASSWORD, GATEWAY_DEVICE_KEY   from: mimamori gateway add <id>
  CENTRAL_MQTT_URL          e.g. mqtts://mimamori.example.jp:8883
  GATEWAY_MQTT_PORT (1883), GATEWAY_MQTT_WS_PORT (8083), GATEWAY_HTTP_PORT (8081)
  GATEWAY_DATA_DIR (./gateway-data), GATEWAY_DISK_BUDGET_MB (512)
  GATEWAY_BACKFILL_RATE (200 readings/s), GATEWAY_MAX_BATCH_BYTES (15000)
See docs/gateway.md.
`

export async function runGatewayProcess(
  env: Record<string, string | undefined>,
  io: GatewayIo,
): Promise<number> {
  let config: ReturnType<typeof loadGatewayConfig>
  let level: string
  try {
    config = loadGatewayConfig(env)
    level = LogLevel.parse(env.LOG_LEVEL)
  } catch (err) {
    if (err instanceof z.ZodError) {
      io.err(`mimamori gateway: invalid configuration:\n${z.prettifyError(err)}\n`)
      return 1
    }
    throw err
  }
  const log = pino({ level, base: { service: 'mimamori-gateway' }, timestamp: pino.stdTimeFunctions.isoTime })
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection: this is a bug; exiting so the supervisor restarts us')
    process.exit(70)
  })
  let gateway: Awaited<ReturnType<typeof startGateway>>
  try {
    gateway = await startGateway(config, { log })
  } catch (err) {
    io.err(`mimamori gateway: cannot start: ${(err as Error).message}\n`)
    return 1
  }
  io.err(
    `  mimamori gateway ${config.gatewayId} is running\n` +
      `  devices    mqtt://localhost:${gateway.ports.mqtt}  (WebSocket ws://localhost:${gateway.ports.mqttWs})\n` +
      `  centre     ${config.centralUrl}\n  health     http://localhost:${gateway.ports.http}/readyz\n` +
      `  outbox     ${config.dataDir}\n`,
  )
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  log.info({ signal }, 'shutting down')
  const timer = setTimeout(() => {
    log.error('shutdown took longer than 15 s; exiting')
    process.exit(1)
  }, 15_000)
  timer.unref()
  try {
    await gateway.stop()
    return 0
  } catch (err) {
    log.error({ err }, 'shutdown failed')
    return 1
  }
}
