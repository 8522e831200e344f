#!/usr/bin/env node
/**
 * The `mimamori` command: the only place that reads process.env and writes to the console.
 */
import { ConfigError, loadSystemConfig, type SystemConfig } from './config.js'
import { type Io, runDeviceCommand } from './device-command.js'
import { runGatewayCommand } from './gateway-command.js'
import { createLogger } from './logger.js'
import { startSystem } from './system.js'
import { runUserCommand } from './user-command.js'

const HELP = `mimamori — IoT ingestion and remote monitoring (見守り)

Usage: npm run cli -- <command>      (or: npx tsx cli/main.ts <command>)

  start                 broker + ingest + alerts + dashboard in one process (npm start)
  broker                the MQTT broker and its ingest alone; with REDIS_URL + DATABASE_URL one of
                        several scale-out brokers (docs/broker.md, "Scale-out")
  device add|list|remove  manage device credentials (see: device --help)
  device rotate|revoke <id>  new MQTT password for a device, or revoke it (disconnects it at once)
  certs dev|device        development TLS certificates for the broker (see: certs --help)
  mqtt-passwd [user]      hash a password (stdin) for a service user in MQTT_ACL_FILE
  mqtt-acl import|show    the MQTT ACL in PostgreSQL for scale-out brokers (DATABASE_URL)
  gateway add|list|remove manage edge gateways at the centre (see: gateway --help)
  gateway run           run this machine as an edge gateway (see: gateway run --help, docs/gateway.md)
  user add|list|remove    manage dashboard users and their scope (see: user --help)
  simulate [device|camera|scenario|scenarios|load] …
                        simulated devices, cameras, scenarios with faults, load (see: simulate --help)
  help                  this text

Configuration is read from the environment, e.g. DATA_DIR (./data), MQTT_PORT (1883),
MQTT_WS_PORT (8083), HTTP_PORT (8080), MIMAMORI_DEMO (on unless NODE_ENV=production),
MIMAMORI_ADMIN_PASSWORD; for scale-out REDIS_URL, DATABASE_URL, MIMAMORI_SECRET_KEY.
See docs/operations.md and docs/broker.md.
`

const io: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

function loadConfigOrExit(): SystemConfig {
  try {
    return loadSystemConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`mimamori: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
}

const START_ERRORS = new Set(['DB_LOCKED', 'EADDRINUSE', 'ACL_FILE', 'TLS_FILES', 'DATABASE', 'REDIS'])

function startFailed(err: unknown): never {
  const code = (err as { code?: string }).code
  if (err instanceof ConfigError) io.err(`mimamori: ${err.message}\n`)
  else if (code && START_ERRORS.has(code)) io.err(`mimamori: cannot start: ${(err as Error).message}\n`)
  else throw err
  process.exit(1)
}

function exitOnBug(log: ReturnType<typeof createLogger>) {
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection: this is a bug; exiting so the supervisor restarts us')
    process.exit(70)
  })
}

function stopOnSignals(log: ReturnType<typeof createLogger>, stop: () => Promise<void>) {
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 15 s; exiting')
      process.exit(1)
    }, 15_000)
    timer.unref()
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

/** `mimamori broker`: the broker and its ingest alone (cli/broker-process.ts). */
async function startBrokerOnly(): Promise<void> {
  const config = loadConfigOrExit()
  const log = createLogger(config.logLevel)
  exitOnBug(log)
  const { startBrokerProcess } = await import('./broker-process.js')
  const running = await startBrokerProcess(config, log).catch(startFailed)
  const banner = [
    '',
    `  mimamori broker is running${running.scaleOut ? ' (scale-out: Redis + PostgreSQL)' : ''}`,
    `  MQTT       mqtt://localhost:${running.mqttPort}  (WebSocket ws://localhost:${running.mqttWsPort})`,
    `  health     http://localhost:${running.httpPort}/healthz  /readyz  /metrics`,
    '',
  ]
  io.err(`${banner.join('\n')}\n`)
  stopOnSignals(log, () => running.stop())
}

async function start(): Promise<void> {
  const config = loadConfigOrExit()
  const log = createLogger(config.logLevel)
  exitOnBug(log)
  const system = await startSystem(config, log).catch(startFailed)
  const banner = [
    '',
    `  mimamori is running${config.demo ? ' — DEMO MODE (simulated devices; MIMAMORI_DEMO=0 to turn off)' : ''}`,
    `  dashboard  http://localhost:${system.httpPort}`,
    `  MQTT       mqtt://localhost:${system.mqttPort}  (WebSocket ws://localhost:${system.mqttWsPort})`,
    `  data       ${config.dataDir}`,
    ...(system.generatedAdminPassword
      ? [`  login      admin / ${system.generatedAdminPassword}   (generated; shown only this once)`]
      : []),
    '',
  ]
  io.err(`${banner.join('\n')}\n`)
  stopOnSignals(log, () => system.stop())
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start':
      return start()
    case 'broker':
      if (rest.includes('--help') || rest.includes('-h')) {
        const { BROKER_HELP } = await import('./broker-help.js')
        return io.out(BROKER_HELP)
      }
      return startBrokerOnly()
    case 'device':
      if (rest[0] === 'rotate' || rest[0] === 'revoke') {
        const { runCredentialsCommand } = await import('./credentials-command.js')
        process.exitCode = await runCredentialsCommand(rest, loadConfigOrExit(), io)
        return
      }
      process.exitCode = await runDeviceCommand(rest, loadConfigOrExit(), io)
      return
    case 'certs': {
      const { runCertsCommand } = await import('./certs-command.js')
      process.exitCode = runCertsCommand(rest, loadConfigOrExit().dataDir, io)
      return
    }
    case 'mqtt-acl': {
      const { runMqttAclCommand } = await import('./mqtt-acl-command.js')
      process.exitCode = await runMqttAclCommand(rest, loadConfigOrExit(), io)
      return
    }
    case 'mqtt-passwd': {
      const { runMqttPasswdCommand } = await import('./mqtt-passwd-command.js')
      process.exitCode = await runMqttPasswdCommand(rest, io)
      return
    }
    case 'user':
      process.exitCode = await runUserCommand(rest, loadConfigOrExit(), io, process.env)
      return
    case 'gateway':
      if (rest[0] === 'run') {
        // the edge process: a gateway machine has no centre configuration to load
        const { GATEWAY_RUN_HELP, runGatewayProcess } = await import('../gateway/main.js')
        if (rest.includes('--help') || rest.includes('-h')) return io.out(GATEWAY_RUN_HELP)
        process.exit(await runGatewayProcess(process.env, io))
      }
      process.exitCode = await runGatewayCommand(rest, loadConfigOrExit(), io)
      return
    case 'simulate': {
      const { runSimulateCommand } = await import('../simulators/cli.js')
      process.exitCode = await runSimulateCommand(rest, { stdout: io.out, stderr: io.err, env: process.env })
      return
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(HELP)
      return
    default:
      io.err(`mimamori: unknown command "${command}"\n\n${HELP}`)
      process.exitCode = 2
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  io.err(`mimamori: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
