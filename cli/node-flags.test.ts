import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { serverNodeFlags } from './node-flags.js'

describe('server node flags', () => {
  it('run V8 GC on the main thread only with a single CPU', () => {
    expect(serverNodeFlags({ cpus: 1 })).toEqual(['--max-semi-space-size=128', '--single-threaded-gc'])
    expect(serverNodeFlags({ cpus: 2 })).toEqual(['--max-semi-space-size=128'])
  })

  it('prints the flags for the process as a script (the start script uses that), following its CPU affinity', () => {
    const printed = execFileSync(process.execPath, ['cli/node-flags.js'], { encoding: 'utf8' }).trim()
    expect(printed.split(' ')).toEqual(serverNodeFlags())
    let pinned: string
    try {
      pinned = execFileSync('taskset', ['-c', '0', process.execPath, 'cli/node-flags.js'], {
        encoding: 'utf8',
      })
    } catch {
      return // no taskset here: the affinity half cannot be checked
    }
    expect(pinned.trim()).toBe('--max-semi-space-size=128 --single-threaded-gc')
  })
})
