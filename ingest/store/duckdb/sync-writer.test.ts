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
})
