import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createImageStore } from './images.js'
import { type EmbeddedStore, openEmbeddedStore } from './store/duckdb/index.js'

let dir: string
let store: EmbeddedStore
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-images-'))
  store = await openEmbeddedStore(join(dir, 'db.duckdb'))
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const jpeg = (size: number) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, 1)])
const T0 = Date.UTC(2026, 8, 1)

describe('image store', () => {
  it('stores a file and a row once, reads it back, and lists newest first', async () => {
    const images = createImageStore(join(dir, 'images'), store.meta, () => T0)
    expect(await images.save('cam-1', T0, jpeg(100))).toBe(true)
    expect(await images.save('cam-1', T0, jpeg(100))).toBe(false)
    expect(await images.save('cam-1', T0 + 60_000, jpeg(50))).toBe(true)
    expect(existsSync(join(dir, 'images', 'cam-1', `${T0}.jpg`))).toBe(true)
    expect((await images.read('cam-1', T0))?.length).toBe(100)
    expect(await images.read('cam-1', T0 + 1)).toBeUndefined()
    const listed = await images.list('cam-1', T0, T0 + 60_000, 10)
    expect(listed.map((i) => i.captureTs)).toEqual([T0 + 60_000, T0])
    expect(listed[1]?.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('prunes by age and by total size, oldest first', async () => {
    const images = createImageStore(join(dir, 'images'), store.meta, () => T0)
    for (let i = 0; i < 5; i++) await images.save('cam-1', T0 + i * 1000, jpeg(100))
    expect(await images.prune(T0 + 1000, 10_000)).toBe(1) // only the one older than T0+1000
    expect(await images.prune(0, 250)).toBe(2) // keep the newest 250 bytes → 2 images
    expect((await images.list('cam-1', 0, T0 + 10_000, 10)).map((i) => i.captureTs)).toEqual([
      T0 + 4000,
      T0 + 3000,
    ])
    expect(existsSync(join(dir, 'images', 'cam-1', `${T0}.jpg`))).toBe(false)
  })
})
