import { imageTopic } from '../../firmware-contracts/index.js'
import type { SimulatedDevice } from '../device.js'
import { reservoirJpeg } from './reservoir-scene.js'

export interface CameraOptions {
  /** The reservoir station the camera belongs to: images go out on its connection, its level is drawn. */
  device: SimulatedDevice
  /** Wall-clock time between images. */
  intervalMs: number
  /** Spillway crest drawn on the gauge; default 9.5 m. */
  crestM?: number
  /** JPEG quality 1–100; default 75. */
  quality?: number
  /** Clock for the capture time; default Date.now. */
  now?: () => number
  log?: (msg: string) => void
  /** Called after each image the broker acknowledged, with its size. */
  onImage?: (count: number, bytes: number, captureTs: number) => void
}

export interface SimulatedCamera {
  /** Images the broker acknowledged. */
  images(): number
  /** Captures not sent: no reading yet, offline, or too many messages unacknowledged. */
  skipped(): number
  stop(): void
}

/**
 * A surveillance camera at a reservoir station: every `intervalMs` it draws the pond at the
 * station's latest water level and rain, encodes a JPEG (10–30 KB) and publishes it at QoS 1 to
 * `v1/devices/{id}/image/{captureTsMs}` on the station's own connection. The first image is
 * taken after the first reading, so the picture always matches a reported level.
 * @example const cam = startCamera({ device, intervalMs: 60_000 }); …; cam.stop()
 */
export function startCamera(opts: CameraOptions): SimulatedCamera {
  const now = opts.now ?? Date.now
  let images = 0
  let skipped = 0
  let busy = false
  const capture = (): void => {
    const reading = opts.device.lastReading()
    const level = reading?.m.water_level_m
    if (level === undefined || busy) {
      skipped++
      return
    }
    const captureTs = Math.trunc(now())
    let jpeg: Uint8Array
    try {
      jpeg = reservoirJpeg(
        {
          deviceId: opts.device.deviceId,
          captureTs,
          levelM: level,
          rainMmH: reading?.m.rain_mm_h ?? 0,
          crestM: opts.crestM,
        },
        opts.quality,
      )
    } catch (err) {
      opts.log?.(`${opts.device.deviceId}: camera failed: ${(err as Error).message}`)
      skipped++
      return
    }
    // One image in flight at a time: a slow uplink costs pictures, not memory.
    busy = true
    void opts.device
      .send(imageTopic(opts.device.deviceId, captureTs), Buffer.from(jpeg), 1)
      .then((result) => {
        busy = false
        if (result !== 'published') {
          skipped++
          return
        }
        images++
        opts.onImage?.(images, jpeg.length, captureTs)
      })
  }
  const timer = setInterval(capture, opts.intervalMs)
  // The first picture soon after start (once a reading exists), not a whole interval later.
  const first = setTimeout(capture, Math.min(opts.intervalMs, 1000))
  return {
    images: () => images,
    skipped: () => skipped,
    stop() {
      clearInterval(timer)
      clearTimeout(first)
    },
  }
}
