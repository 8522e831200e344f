/**
 * STORE=influx against Debian's VictoriaMetrics: 1000 devices publish QoS1 at a fixed rate while
 * the TSDB is stopped for a while; samples the server's RSS and spool backlog, then checks that
 * everything acknowledged reached VictoriaMetrics after it returns.
 * Run: npx tsx bench/tsdb-outage.ts [outageSeconds=120] [rate=3000]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLoad } from '../simulators/load/load.js'
import { freePort, runCli } from '../tests/helpers/processes.js'
import { startVictoriaMetrics } from '../tests/helpers/victoria-metrics.js'

const out = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const rssMb = (pid: number | undefined) => {
  try {
    const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' })
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

async function main() {
  const outageS = Number(process.argv[2] ?? 120)
  const rate = Number(process.argv[3] ?? 3000)
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-outage-'))
  const vm = await startVictoriaMetrics(join(dir, 'vm'))
  const env = {
    DATA_DIR: join(dir, 'data'),
    MQTT_HOST: '127.0.0.1',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: String(await freePort()),
    MQTT_WS_PORT: String(await freePort()),
    HTTP_PORT: String(await freePort()),
    MIMAMORI_ADMIN_PASSWORD: 'outage-admin-password',
    STORE: 'influx',
    INFLUX_URL: vm.url,
    LOG_LEVEL: 'error',
  }
  const server = runCli(['start'], env)
  try {
    for (let i = 0; i < 600 && !server.output.stderr.includes('mimamori is running'); i++) await sleep(100)
    const api = `http://127.0.0.1:${env.HTTP_PORT}/api/v1`
    const { token } = (await (
      await fetch(`${api}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: env.MIMAMORI_ADMIN_PASSWORD }),
      })
    ).json()) as { token: string }
    const devices = []
    for (let i = 0; i < 1000; i++) {
      const res = await fetch(`${api}/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ id: `o-${i}`, kind: 'paddy' }),
      })
      devices.push({
        deviceId: `o-${i}`,
        password: ((await res.json()) as { password: string }).password,
        kind: 'paddy' as const,
      })
    }
    const samples: string[] = []
    let maxRss = 0
    const sampler = setInterval(async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/metrics`)).text().catch(() => '')
      const backlog = Number(metrics.match(/^mimamori_spool_backlog_bytes (\S+)/m)?.[1] ?? 0)
      const rss = rssMb(server.child.pid)
      maxRss = Math.max(maxRss, rss)
      samples.push(
        `${new Date().toISOString().slice(11, 19)} RSS ${rss.toFixed(0)} MB, spool ${(backlog / 2 ** 20).toFixed(1)} MB`,
      )
      out(`  ${samples.at(-1)}`)
    }, 10_000)
    const total = 20 + outageS + 40
    const load = runLoad({
      url: `mqtt://127.0.0.1:${env.MQTT_PORT}`,
      devices,
      qos: 1,
      rate,
      durationMs: total * 1000,
      preEncoded: true,
    })
    await sleep(20_000)
    if (outageS > 0) {
      out(`  stopping VictoriaMetrics for ${outageS} s`)
      await vm.stop()
      await sleep(outageS * 1000)
      out('  starting VictoriaMetrics again')
      await vm.restart()
    }
    const summary = await load
    for (let i = 0; i < 300; i++) {
      const ready = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/readyz`)
      if (ready.status === 200) break
      await sleep(1000)
    }
    clearInterval(sampler)
    await vm.forceFlush()
    const counted = Number(
      (
        (await (
          await fetch(
            `${vm.url}/api/v1/query?query=${encodeURIComponent('sum(count_over_time(mimamori__seq[1d]))')}`,
          )
        ).json()) as {
          data: { result: Array<{ value: [number, string] }> }
        }
      ).data.result[0]?.value[1] ?? 0,
    )
    out(
      `  acked ${summary.acked.toLocaleString()} readings, VictoriaMetrics holds ${counted.toLocaleString()}; max server RSS ${maxRss.toFixed(0)} MB`,
    )
  } finally {
    server.child.kill('SIGTERM')
    await server.exited
    await vm.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
