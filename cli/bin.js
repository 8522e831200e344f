#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx mimamori …` works from a checkout without a build step.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const tsx = require.resolve('tsx/cli')
const main = fileURLToPath(new URL('./main.ts', import.meta.url))
// A larger young generation: ingest allocates short-lived objects per message, and at the
// default 16 MB semi-space the scavenger took ~22 % of the busy time under load (bench: ~10 %
// more readings/s at 64 MB). Since the direct telemetry path, 128 MB gave another ~20 % at QoS 1
// (alternated runs: 56–64k vs 47–49k acknowledged/s; 256 MB no better, 300 MB more RSS). It only
// grows under allocation pressure, so an idle server keeps its size. Keep in step with the
// `start` script in package.json and bench/common.ts.
const nodeFlags = ['--max-semi-space-size=128']
const result = spawnSync(process.execPath, [...nodeFlags, tsx, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
