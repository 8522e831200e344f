/**
 * The receive buffer of the MQTT listeners' sockets (SO_RCVBUF), set on each listening socket so
 * that every accepted connection inherits it: what nginx's `listen … rcvbuf=`, EMQX's
 * `tcp_options.recbuf` and Kafka's `socket.receive.buffer.bytes` do.
 *
 * Why: when devices offer more than the server stores, one message per TCP segment, the kernel's
 * autotuned buffer (net.ipv4.tcp_rmem, 128 KiB to start) overflows on the packets' bookkeeping
 * rather than their bytes, and the kernel spends the server's core compacting the queues. A fixed
 * buffer of a few hundred KiB stops that (docs/benchmarks.md, "A receive buffer of our own").
 *
 * Node.js has no API for socket options, so this calls setsockopt(2) through koffi, an FFI whose
 * npm package carries its prebuilt binaries. Linux only; elsewhere the caller keeps the kernel's.
 */
import type { Logger } from 'pino'

/** Linux's constants (asm-generic/socket.h). */
const SOL_SOCKET = 1
const SO_RCVBUF = 8

/** Bytes asked for by default (MQTT_SOCKET_RCVBUF); Linux books twice that. */
export const DEFAULT_RECEIVE_BUFFER = 512 * 1024

/** SO_RCVBUF of sockets and listening servers, in the bytes the kernel books (twice the request on Linux). */
export interface ReceiveBuffers {
  /** Sets it and returns what the kernel books: less than twice `bytes` where net.core.rmem_max caps it. */
  set(socket: object, bytes: number): number
  get(socket: object): number
}

let loaded: Promise<ReceiveBuffers> | undefined

/** Loads the system calls once; rejects off Linux or where koffi cannot load. */
export function receiveBuffers(): Promise<ReceiveBuffers> {
  loaded ??= load()
  return loaded
}

async function load(): Promise<ReceiveBuffers> {
  if (process.platform !== 'linux')
    throw new Error(`setting SO_RCVBUF is supported on Linux only, not ${process.platform}`)
  const { default: koffi } = await import('koffi')
  const self = koffi.load(null) // the process's own symbols, libc's among them (glibc or musl)
  const setsockopt = self.func(
    'int setsockopt(int fd, int level, int name, _In_ int *value, uint32_t length)',
  )
  const getsockopt = self.func(
    'int getsockopt(int fd, int level, int name, _Out_ int *value, _Inout_ uint32_t *length)',
  )
  const failed = (call: string) => new Error(`${call} failed: errno ${koffi.errno()}`)
  const get = (socket: object) => {
    const value = [0]
    if (getsockopt(fdOf(socket), SOL_SOCKET, SO_RCVBUF, value, [4]) !== 0)
      throw failed('getsockopt(SO_RCVBUF)')
    return value[0] as number
  }
  return {
    set(socket, bytes) {
      if (setsockopt(fdOf(socket), SOL_SOCKET, SO_RCVBUF, [bytes], 4) !== 0)
        throw failed('setsockopt(SO_RCVBUF)')
      return get(socket)
    },
    get,
  }
}

/** The file descriptor behind a listening or connected socket; Node.js keeps it on its handle. */
function fdOf(socket: object): number {
  const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd
  if (typeof fd !== 'number' || fd < 0)
    throw new Error('the socket has no file descriptor (not listening yet?)')
  return fd
}

/**
 * What the listeners call on each server as it starts listening: sets SO_RCVBUF to `bytes` (none
 * for 0). Where it cannot be set, the broker runs on with the kernel's buffers and says so; a cap
 * by net.core.rmem_max is logged once, with what to raise.
 */
export async function receiveBufferSetter(
  bytes: number | undefined,
  log: Logger,
): Promise<(server: object) => void> {
  const notApplied = (err: unknown) =>
    log.warn(
      { err: (err as Error).message },
      'mqtt sockets keep the kernel receive buffer (MQTT_SOCKET_RCVBUF not applied)',
    )
  const buffers = bytes ? await receiveBuffers().catch(notApplied) : undefined
  if (!bytes || !buffers) return () => {}
  let reported = false
  return (server) => {
    try {
      const booked = buffers.set(server, bytes)
      if (reported) return
      reported = true
      if (booked < 2 * bytes)
        log.warn(
          { requested: bytes, booked },
          'net.core.rmem_max caps the mqtt sockets receive buffer: raise it to MQTT_SOCKET_RCVBUF (docs/operations.md)',
        )
      else log.info({ requested: bytes, booked }, 'mqtt sockets receive buffer set')
    } catch (err) {
      notApplied(err)
    }
  }
}
