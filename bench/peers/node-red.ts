/**
 * Peer (b), the stack users would build instead: Node-RED 4 (from npm) with a flow
 * mqtt in → json → function (fields and a device tag) → influxdb out (node-red-contrib-influxdb,
 * InfluxDB 2 API), subscribed to mosquitto and writing to Debian's VictoriaMetrics. Everything is
 * generated in a temp dir: settings.js (no editor, no telemetry, no palette downloads) and
 * flows.json. Nothing here reaches the internet.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freePort } from '../../tests/helpers/processes.js'
import { VICTORIA_METRICS } from '../../tests/helpers/victoria-metrics.js'
import { pin, SUT_CPU, sleep } from '../common.js'

const require = createRequire(import.meta.url)

export interface NodeRed {
  pid: number | undefined
  stop(): Promise<void>
}

/** The measurement the flow writes: VictoriaMetrics stores `telemetry_<field>{device="…"}`. */
export const NODE_RED_MEASUREMENT = 'telemetry'

function flows(mqttPort: number, influxUrl: string) {
  return [
    { id: 'tab1', type: 'tab', label: 'telemetry to InfluxDB' },
    {
      id: 'broker1',
      type: 'mqtt-broker',
      name: 'mosquitto',
      broker: '127.0.0.1',
      port: String(mqttPort),
      clientid: 'node-red-bench',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    {
      id: 'influx1',
      type: 'influxdb',
      hostname: '127.0.0.1',
      port: '8086',
      protocol: 'http',
      database: 'mimamori',
      name: 'VictoriaMetrics',
      usetls: false,
      tls: '',
      influxdbVersion: '2.0',
      url: influxUrl,
      timeout: '10',
      rejectUnauthorized: false,
    },
    {
      id: 'in1',
      type: 'mqtt in',
      z: 'tab1',
      name: 'devices',
      topic: 'v1/devices/+/telemetry',
      qos: '1',
      datatype: 'utf8',
      broker: 'broker1',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['json1']],
    },
    {
      id: 'json1',
      type: 'json',
      z: 'tab1',
      name: '',
      property: 'payload',
      action: 'obj',
      pretty: false,
      wires: [['fn1']],
    },
    {
      id: 'fn1',
      type: 'function',
      z: 'tab1',
      name: 'to point',
      // fields = the metrics + seq, tag = the device id from the topic, time = the reading's ts
      func: [
        "const device = msg.topic.split('/')[2]",
        'const r = msg.payload',
        'msg.payload = [{ ...r.m, seq: r.seq, time: r.ts }, { device }]',
        'return msg',
      ].join('\n'),
      outputs: 1,
      wires: [['out1']],
    },
    {
      id: 'out1',
      type: 'influxdb out',
      z: 'tab1',
      influxdb: 'influx1',
      name: '',
      measurement: NODE_RED_MEASUREMENT,
      precision: '',
      retentionPolicy: '',
      database: 'database',
      precisionV18FluxV20: 'ms',
      retentionPolicyV18Flux: '',
      org: 'mimamori',
      bucket: 'mimamori',
      wires: [],
    },
  ]
}

/** Starts Node-RED as a child process pinned to `cpu`; resolves once its flow is connected to the broker. */
export async function startNodeRed(mqttPort: number, influxUrl: string, cpu = SUT_CPU): Promise<NodeRed> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-node-red-'))
  const userDir = join(dir, 'user')
  mkdirSync(userDir)
  const port = await freePort()
  const influxModule = dirname(require.resolve('node-red-contrib-influxdb/package.json'))
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows(mqttPort, influxUrl), null, 2))
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        credentialSecret: false,
        httpAdminRoot: false,
        httpNodeRoot: false,
        disableEditor: true,
        nodesDir: [influxModule],
        diagnostics: { enabled: false, ui: false },
        runtimeState: { enabled: false, ui: false },
        telemetry: { enabled: false },
        externalModules: {
          autoInstall: false,
          palette: { allowInstall: false },
          modules: { allowInstall: false },
        },
        logging: { console: { level: 'info', metrics: false, audit: false } },
        functionExternalModules: false,
      },
      null,
      2,
    )}\n`,
  )
  const red = require.resolve('node-red/red.js')
  let output = ''
  const child: ChildProcess = spawn(
    process.execPath,
    [red, '--settings', join(userDir, 'settings.js'), '--userDir', userDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' } },
  )
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000)
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  pin(child.pid, cpu)
  const deadline = Date.now() + 60_000
  while (!/Connected to broker/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`Node-RED did not start its flow: ${output}`)
    }
    await sleep(100)
  }
  if (/Missing node types|Waiting for missing types/.test(output)) {
    child.kill('SIGKILL')
    throw new Error(`Node-RED is missing node types: ${output}`)
  }
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await Promise.race([exited, sleep(10_000)])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface PlainVictoriaMetrics {
  url: string
  pid: number | undefined
  /** Samples stored for `metric` (duplicates of one series and millisecond included). */
  count(metric: string): Promise<number>
  stop(): Promise<void>
}

/**
 * Debian's VictoriaMetrics as a user would run it for Node-RED: no deduplication (unlike the
 * test helper, which mimics InfluxDB's series + timestamp key), so every written sample counts.
 */
export async function startPlainVictoriaMetrics(cpu = SUT_CPU): Promise<PlainVictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-vm-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(
    VICTORIA_METRICS,
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 20_000
  for (;;) {
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`victoria-metrics did not start: ${stderr}`)
    await sleep(100)
  }
  pin(child.pid, cpu)
  return {
    url,
    pid: child.pid,
    async count(metric) {
      await fetch(`${url}/internal/force_flush`)
      const text = await (await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(metric)}`)).text()
      let n = 0
      for (const line of text.split('\n')) {
        if (!line) continue
        n += ((JSON.parse(line) as { values: unknown[] }).values ?? []).length
      }
      return n
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
