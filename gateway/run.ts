/** Stand-alone entry (`node --import tsx gateway/run.ts`) until the CLI has `mimamori gateway run`. */
import { runGatewayProcess } from './main.js'

const code = await runGatewayProcess(process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
})
process.exit(code)
