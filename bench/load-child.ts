/**
 * The child side of `runLoadForked` (bench/load-process.ts): runs one `runLoad` with the options it
 * is sent and reports progress, log lines and the summary over IPC. IPC in: run {options} | abort.
 * Out: progress {p} | log {line} | summary {s} | failed {message}.
 */
import type { LoadOptions } from '../simulators/load/load.js'
import { runLoad } from '../simulators/load/load.js'

type Command = { cmd: 'run'; options: LoadOptions; progress: boolean; log: boolean } | { cmd: 'abort' }

const controller = new AbortController()
process.on('message', (msg: Command) => {
  if (msg.cmd === 'abort') {
    controller.abort()
    return
  }
  runLoad({
    ...msg.options,
    signal: controller.signal,
    ...(msg.progress ? { onProgress: (p) => process.send?.({ progress: p }) } : {}),
    ...(msg.log ? { log: (line) => process.send?.({ log: line }) } : {}),
  }).then(
    (summary) => process.send?.({ summary }, () => process.exit(0)),
    (err: Error) => process.send?.({ failed: err.message }, () => process.exit(1)),
  )
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
