/**
 * The broker sets the receive buffer of every MQTT connection (MQTT_SOCKET_RCVBUF) on its
 * listeners, so an overload of one-message packets does not cost the server's core in kernel
 * queue compaction (docs/benchmarks.md). Read back from the kernel with ss, as a sysadmin would.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { readSysctl } from '../../broker/kernel-hints.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { missingProgram } from '../helpers/requirements.js'

const noSs = missingProgram('/usr/bin/ss', 'iproute2')

let tb: TestBroker | undefined
afterEach(async () => {
  await tb?.stop()
  tb = undefined
})

/** The receive buffer the kernel books (ss's skmem rb) for the server side of a connection to `port`. */
async function bookedFor(port: number): Promise<number> {
  const client = connect(port, '127.0.0.1')
  await once(client, 'connect')
  try {
    const out = execFileSync('/usr/bin/ss', ['-tmnH', 'state', 'established', `sport = :${port}`], {
      encoding: 'utf8',
    })
    const rb = /skmem:\([^)]*\brb(\d+)/.exec(out)?.[1]
    if (rb === undefined) throw new Error(`ss shows no connection on port ${port}: ${out}`)
    return Number(rb)
  } finally {
    client.destroy()
  }
}

it.skipIf(noSs || process.platform !== 'linux')(
  'gives every MQTT connection the receive buffer configured',
  async () => {
    tb = await startTestBroker({ env: { MQTT_SOCKET_RCVBUF: '100000' } })
    expect(await bookedFor(tb.broker.port)).toBe(200_000) // Linux books twice the request
    expect(await bookedFor(tb.broker.wsPort)).toBe(200_000)
  },
)

it.skipIf(noSs || process.platform !== 'linux')(
  'leaves the buffer to the kernel with MQTT_SOCKET_RCVBUF=0',
  async () => {
    tb = await startTestBroker({ env: { MQTT_SOCKET_RCVBUF: '0' } })
    // a new TCP socket starts at net.ipv4.tcp_rmem's middle value
    const start = Number(readSysctl('net.ipv4.tcp_rmem')?.split(/\s+/)[1])
    expect(start).not.toBe(200_000)
    expect(await bookedFor(tb.broker.port)).toBe(start)
  },
)
