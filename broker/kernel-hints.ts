/**
 * Linux settings that limit the broker under load, read once at start and logged with what to
 * set (as Redis warns about somaxconn at start). Nothing is changed here: the settings are the
 * machine's. The one per-socket option that works around one of them, SO_RCVBUF, is set by the
 * listeners (broker/receive-buffer.ts).
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

/** `receiveBuffer`: MQTT_SOCKET_RCVBUF; with one of its own the broker does not use tcp_rmem's default. */
export function kernelHints(
  read: (name: string) => string | undefined = readSysctl,
  receiveBuffer = 0,
): KernelHint[] {
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
  if (!receiveBuffer && rmem !== undefined && Number(rmem.split(/\s+/)[1]) < RMEM_DEFAULT_HINT_BYTES) {
    hints.push({
      setting: 'net.ipv4.tcp_rmem',
      value: rmem.replace(/\s+/g, ' '),
      hint: 'a TCP connection starts with a small receive buffer: when devices offer more than the server stores, one message per packet, the kernel spends the server CPU compacting the receive queues. Set net.ipv4.tcp_rmem = 4096 2097152 33554432, or on the central broker leave MQTT_SOCKET_RCVBUF at its default (docs/operations.md)',
    })
  }
  return hints
}
