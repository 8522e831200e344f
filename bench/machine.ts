import { execFileSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { loadBrokerConfig } from '../broker/config.js'
import { readSysctl } from '../broker/kernel-hints.js'

/** Facts printed with every result: absolute numbers drift on shared 2-core machines, ratios less so. */
export function machineFacts(): Record<string, string> {
  const cpu = cpus()
  let load = ''
  try {
    load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')
  } catch {
    load = 'n/a'
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'load average at start': load,
    // the receive buffer decides what an overload of small segments costs the server's core; the
    // broker sets its own (MQTT_SOCKET_RCVBUF), which net.core.rmem_max caps, else the kernel's
    // tcp_rmem applies (docs/benchmarks.md, "A receive buffer of our own")
    'MQTT_SOCKET_RCVBUF (bytes asked)': String(loadBrokerConfig(process.env).receiveBuffer),
    'net.core.rmem_max': readSysctl('net.core.rmem_max') ?? 'n/a',
    'net.ipv4.tcp_rmem (min default max)': readSysctl('net.ipv4.tcp_rmem')?.replace(/\s+/g, ' ') ?? 'n/a',
  }
}
