/** Starts test-results/chaos-summary.md afresh for each `npm run test:chaos`, with the machine's facts. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname } from 'node:path'
import { SUMMARY_FILE } from './report.js'

export default function setup() {
  rmSync(SUMMARY_FILE, { force: true })
  mkdirSync(dirname(SUMMARY_FILE), { recursive: true })
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // not a git checkout
  }
  const env = ['CHAOS_TSDB_OUTAGE_S', 'CHAOS_SOAK_S', 'CHAOS_KILLS', 'CHAOS_FUZZ_CASES', 'CHAOS_SEED']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`)
  writeFileSync(
    SUMMARY_FILE,
    `# npm run test:chaos — figures\n\n${new Date().toISOString()}, commit ${commit}, ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}` +
      `${env.length ? `, ${env.join(' ')}` : ' (default durations)'}\n\n| case | figures |\n|---|---|\n`,
  )
}
