import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ImageMetaStore, ImageRecord } from './store/meta-store.js'

/**
 * Camera images as files under DATA_DIR/images/{deviceId}/{captureTsMs}.jpg with a metadata row
 * each. A file is fsynced and renamed into place before its row is written and before the
 * device's PUBACK, so an acknowledged image survives a crash; a crash in between leaves at most
 * an orphan file, never a row without its file.
 */
export interface ImageStore {
  /** Stores one JPEG; false when this (device, capture time) was stored before (a redelivery). */
  save(deviceId: string, captureTs: number, jpeg: Uint8Array): Promise<boolean>
  list(deviceId: string, from: number, to: number, limit: number): Promise<ImageRecord[]>
  read(deviceId: string, captureTs: number): Promise<Buffer | undefined>
  /** Retention: deletes images older than `before` and the oldest beyond `maxBytes`. */
  prune(before: number, maxBytes: number): Promise<number>
}

export function createImageStore(
  dir: string,
  meta: ImageMetaStore,
  now: () => number = Date.now,
): ImageStore {
  const pathOf = (deviceId: string, captureTs: number) => join(dir, deviceId, `${captureTs}.jpg`)

  return {
    async save(deviceId, captureTs, jpeg) {
      if (await meta.getImage(deviceId, captureTs)) return false
      await mkdir(join(dir, deviceId), { recursive: true })
      const target = pathOf(deviceId, captureTs)
      const tmp = `${target}.${process.pid}.tmp`
      const file = await open(tmp, 'w', 0o640)
      try {
        await file.writeFile(jpeg)
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(tmp, target)
      return meta.addImage({
        deviceId,
        captureTs,
        receivedAt: now(),
        bytes: jpeg.length,
        sha256: createHash('sha256').update(jpeg).digest('hex'),
      })
    },
    list: (deviceId, from, to, limit) => meta.listImages(deviceId, from, to, limit),
    async read(deviceId, captureTs) {
      if (!(await meta.getImage(deviceId, captureTs))) return undefined
      return readFile(pathOf(deviceId, captureTs)).catch(() => undefined)
    },
    async prune(before, maxBytes) {
      const doomed = await meta.imagesToPrune(before, maxBytes)
      for (const image of doomed) {
        await meta.deleteImage(image.deviceId, image.captureTs)
        await rm(pathOf(image.deviceId, image.captureTs), { force: true })
      }
      return doomed.length
    },
  }
}
