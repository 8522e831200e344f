/**
 * The latency bench's device fleet in a process of its own, forked by bench/latency.ts, so the
 * generator does not share a process with the bench's provisioning and bookkeeping (the server's
 * 10k figure depended on that process's state, docs/benchmarks.md).
 * IPC: devices (once) | load {devices, rate} → sending (1 s into sending) | end → ended {msgPerS}.
 */
import { type LoadDevice, type LoadSummary, runLoad } from '../simulators/load/load.js'

const [mqttUrl = ''] = process.argv.slice(2)
let fleet: LoadDevice[] = []
let running: { controller: AbortController; done: Promise<LoadSummary> } | undefined

type Command =
  | { cmd: 'devices'; devices: LoadDevice[] }
  | { cmd: 'load'; devices: number; rate: number }
  | { cmd: 'end' }
  | { cmd: 'exit' }

process.on('message', (msg: Command) => {
  if (msg.cmd === 'devices') {
    fleet = msg.devices
    process.send?.({ stored: fleet.length })
  } else if (msg.cmd === 'load') {
    if (running) throw new Error('latency load: a load is already running')
    const controller = new AbortController()
    let told = false
    const done = runLoad({
      url: mqttUrl,
      devices: fleet.slice(0, msg.devices),
      qos: 1,
      rate: msg.rate,
      durationMs: 600_000,
      preEncoded: true,
      signal: controller.signal,
      onProgress: () => {
        if (told) return
        told = true
        process.send?.({ sending: true })
      },
    })
    running = { controller, done }
  } else if (msg.cmd === 'end') {
    const current = running
    running = undefined
    if (!current) {
      process.send?.({ ended: { msgPerS: Number.NaN } })
      return
    }
    current.controller.abort()
    current.done.then(
      (summary) => process.send?.({ ended: { msgPerS: summary.msgPerS } }),
      (err: Error) => process.send?.({ ended: { msgPerS: Number.NaN, error: err.message } }),
    )
  } else if (msg.cmd === 'exit') {
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
