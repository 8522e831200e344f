/**
 * A fleet reconnecting at once after a restart: the MQTT listeners keep a long queue of completed
 * handshakes, so thousands of devices are not dropped to TCP's SYN backoff (bench/scale.ts:
 * 10,000 devices reconnected in ~20 s with Node's default of 511, in ~10 s with 4096).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterEach, expect, it } from 'vitest'
import { LISTEN_BACKLOG } from '../../broker/listeners.js'
import { startTestBroker, type TestBroker } from '../helpers/broker.js'
import { missingProgram } from '../helpers/requirements.js'

const noSs = missingProgram('/usr/bin/ss', 'iproute2')

let tb: TestBroker | undefined
afterEach(async () => {
  await tb?.stop()
  tb = undefined
})

/** The accept queue length of the socket listening on this port (ss shows it as Send-Q). */
function backlogOf(port: number): number {
  const out = execFileSync('/usr/bin/ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
  const [line] = out.trim().split('\n')
  const sendQ = line?.trim().split(/\s+/)[2]
  return Number(sendQ)
}

it.skipIf(noSs)('listens with a backlog for a fleet reconnecting at once', async () => {
  tb = await startTestBroker()
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))
  const expected = Math.min(LISTEN_BACKLOG, somaxconn)
  expect(expected).toBeGreaterThan(511)
  expect(backlogOf(tb.broker.port)).toBe(expected)
  expect(backlogOf(tb.broker.wsPort)).toBe(expected)
})
