/**
 * Linux settings that limit the broker under load, read once at start and logged with what to
 * set (as Redis warns about somaxconn at start). Nothing is changed here: the settings are the
 * machine's, and Node.js cannot set the per-socket options that would work around them.
 */
import { readFileSync } from 'node:fs'
import { LISTEN_BACKLOG } from './listeners.js'

export interface KernelHint {
  setting: string
  value: string
  hint: string
}

/** A receive buffer to start with below this makes an overload of small packets cost the server. */
const RMEM_DEFAULT_HINT_BYTES = 1024 * 1024

/** A kernel setting from /proc/sys (`net.ipv4.tcp_rmem`), or undefined where it cannot be read. */
export const readSysctl = (name: string): string | undefined => {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim()
  } catch {
    return undefined // not Linux, or not visible in this container
  }
}

export function kernelHints(read: (name: string) => string | undefined = readSysctl): KernelHint[] {
  const hints: KernelHint[] = []
  const somaxconn = read('net.core.somaxconn')
  if (somaxconn !== undefined && Number(somaxconn) < LISTEN_BACKLOG) {
    hints.push({
      setting: 'net.core.somaxconn',
      value: somaxconn,
      hint: `the kernel queues at most ${somaxconn} connections waiting to be accepted (mimamori asks for ${LISTEN_BACKLOG}): when a fleet reconnects after a restart, the rest wait for TCP's retry backoff. Set net.core.somaxconn = ${LISTEN_BACKLOG}`,
    })
  }
  const rmem = read('net.ipv4.tcp_rmem')
  if (rmem !== undefined && Number(rmem.split(/\s+/)[1]) < RMEM_DEFAULT_HINT_BYTES) {
    hints.push({
      setting: 'net.ipv4.tcp_rmem',
      value: rmem.replace(/\s+/g, ' '),
      hint: 'a TCP connection starts with a small receive buffer: when devices offer more than the server stores, one message per packet, the kernel spends the server CPU compacting the receive queues. Set net.ipv4.tcp_rmem = 4096 2097152 33554432 (docs/operations.md)',
    })
  }
  return hints
}
