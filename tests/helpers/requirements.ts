import { existsSync } from 'node:fs'

/**
 * For tests that drive a real program from Debian (chromium, redis-server, …). Without it the test
 * is skipped with a loud reason, unless REQUIRE_INTEGRATION=1 (set by .ci/run): then it fails.
 * @returns a skip reason, or undefined when the program is there
 */
export function missingProgram(path: string, debianPackage: string): string | undefined {
  if (existsSync(path)) return undefined
  const reason = `${path} not found: install Debian's ${debianPackage} (bash .ci/run does) to run this test`
  if (process.env.REQUIRE_INTEGRATION === '1') throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`)
  process.stderr.write(`\n*** SKIPPING: ${reason} ***\n\n`)
  return reason
}
