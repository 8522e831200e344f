import { execFileSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'

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
  }
}
