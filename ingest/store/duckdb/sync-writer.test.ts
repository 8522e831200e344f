import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSyncWriter, type SyncWriter } from './sync-writer.js'

let dir: string | undefined
let writer: SyncWriter | undefined
afterEach(() => {
  writer?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('sync writer', () => {
  it('appends in order and resolves once each batch is synced', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-sync-'))
    const path = join(dir, 'log.csv')
    const fd = openSync(path, 'a')
    writer = createSyncWriter()
    await writer.append(fd, 'a,1\n', 0)
    await Promise.all([writer.append(fd, 'b,2\n', 4), writer.append(fd, 'c,3\n', 8)])
    closeSync(fd)
    expect(readFileSync(path, 'utf8')).toBe('a,1\nb,2\nc,3\n')
  })

  it('rejects a batch it cannot write and leaves the file as it was', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-sync-'))
    const path = join(dir, 'log.csv')
    writeFileSync(path, 'a,1\n')
    const readOnly = openSync(path, 'r')
    writer = createSyncWriter()
    await expect(writer.append(readOnly, 'b,2\n', 4)).rejects.toMatchObject({ code: 'EBADF' })
    closeSync(readOnly)
    expect(readFileSync(path, 'utf8')).toBe('a,1\n')
  })

  it('lets the event loop turn while each settled batch posts the next (a flood)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mimamori-sync-'))
    const fd = openSync(join(dir, 'log.csv'), 'a')
    writer = createSyncWriter()
    const w = writer
    const busy = (ms: number) => {
      const until = performance.now() + ms
      while (performance.now() < until) {}
    }
    let settled = 0
    let settledWhenTimerRan = -1
    // as under a flood: each batch's commit posts the next batch and then keeps the loop busy
    // longer than the thread's fdatasync takes, so the next reply is always waiting
    await new Promise<void>((resolve) => {
      const next = (k: number) => {
        if (k === 60) return resolve()
        void w.append(fd, 'x\n', 2 * k).then(() => {
          settled++
          if (settled === 5) {
            setTimeout(() => {
              settledWhenTimerRan = settled
            }, 0)
          }
          next(k + 1)
          busy(5)
        })
      }
      next(0)
    })
    closeSync(fd)
    // before: the timer waited for all 60 (Node handles a port's messages in one go)
    expect(settledWhenTimerRan).toBeGreaterThanOrEqual(5)
    expect(settledWhenTimerRan).toBeLessThan(10)
  })
})
