import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { serverNodeFlags } from './node-flags.js'

describe('server node flags', () => {
  it('give the server a young generation of 64 MB growing to 128 MB, without pretenuring', () => {
    expect(serverNodeFlags()).toEqual([
      '--max-semi-space-size=128',
      '--min-semi-space-size=64',
      '--no-allocation-site-pretenuring',
    ])
  })

  it('are printed for the start script when run as a script', () => {
    const printed = execFileSync(process.execPath, ['cli/node-flags.js'], { encoding: 'utf8' }).trim()
    expect(printed.split(' ')).toEqual(serverNodeFlags())
  })
})
