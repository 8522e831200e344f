#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx mimamori …` works from a checkout without a build step.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { serverNodeFlags } from './node-flags.js'

const require = createRequire(import.meta.url)
const tsx = require.resolve('tsx/cli')
const main = fileURLToPath(new URL('./main.ts', import.meta.url))
const nodeFlags = serverNodeFlags()
const result = spawnSync(process.execPath, [...nodeFlags, tsx, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
