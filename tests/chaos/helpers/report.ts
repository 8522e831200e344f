/**
 * One line of figures per chaos case: printed to stdout and appended to
 * test-results/chaos-summary.md, so a run leaves a table to quote.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../helpers/processes.js'

export const SUMMARY_FILE = join(ROOT, 'test-results', 'chaos-summary.md')

export type Figure = string | number | boolean

function format(value: Figure): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(value < 10 ? 2 : 1)
  return String(value)
}

/**
 * @example reportCase('kill -9 under QoS1 load', { kills: 4, acked: 12000, lost: 0, duplicates: 0 })
 */
export function reportCase(name: string, figures: Record<string, Figure>): string {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${format(v)}`)
    .join(', ')
  const line = `chaos: ${name}: ${text}`
  process.stdout.write(`${line}\n`)
  mkdirSync(join(ROOT, 'test-results'), { recursive: true })
  // normally written by global-setup.ts; a case run on its own starts the file itself
  if (!existsSync(SUMMARY_FILE)) appendFileSync(SUMMARY_FILE, '| case | figures |\n|---|---|\n')
  appendFileSync(SUMMARY_FILE, `| ${name} | ${text.replaceAll('|', '\\|')} |\n`)
  return line
}
