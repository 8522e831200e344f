import { sunshine } from '../models/calendar.js'
import { createRandom } from '../random.js'
import { type Canvas, createCanvas, type Rgb } from './canvas.js'
import { encodeJpeg, type RgbImage } from './jpeg-encoder.js'

/** What the reservoir camera sees at one moment. */
export interface ReservoirView {
  deviceId: string
  /** Capture time, epoch ms: drawn as JST, and sets daylight. */
  captureTs: number
  levelM: number
  rainMmH: number
  /** Spillway crest, m (default 9.5): the red line on the gauge. */
  crestM?: number
  width?: number
  height?: number
}

const JST_OFFSET_MS = 9 * 3_600_000
/** The picture shows the top of the pond: from 4 m below the crest to 1 m above it. */
const SHOWN_BELOW_CREST_M = 4
const SHOWN_ABOVE_CREST_M = 1

/** `2026-09-16 03:40 JST` */
export function jstStamp(ms: number): string {
  const iso = new Date(ms + JST_OFFSET_MS).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} JST`
}

/**
 * A synthetic surveillance still of a reservoir: sky by time of day and rain, hills, the far
 * bank, the water line at a height proportional to the level, a gauge staff with the spillway
 * crest in red, rain streaks, and the capture time and level printed in blocky digits.
 * @example renderReservoirScene({ deviceId: 'r-01', captureTs: Date.now(), levelM: 9.1, rainMmH: 20 })
 */
export function renderReservoirScene(view: ReservoirView): RgbImage {
  const width = view.width ?? 320
  const height = view.height ?? 240
  const crest = view.crestM ?? 9.5
  const random = createRandom(Math.floor(view.captureTs / 1000) ^ view.deviceId.length)
  const rain = Math.max(0, view.rainMmH)
  // Daylight: dim at night, full by mid-morning; overcast in rain.
  const light = Math.min(1, 0.2 + 1.4 * sunshine(view.captureTs)) * (rain > 0.5 ? 0.65 : 1)
  const shade = (c: Rgb, k = light): Rgb => [c[0] * k, c[1] * k, c[2] * k]
  const canvas = createCanvas(width, height)
  const horizon = Math.round(height * 0.42)

  const skyTop: Rgb = rain > 0.5 ? [120, 125, 135] : [70, 130, 210]
  const skyLow: Rgb = rain > 0.5 ? [165, 170, 175] : [170, 205, 235]
  for (let y = 0; y < horizon; y++) {
    const k = y / horizon
    canvas.rect(0, y, width, 1, shade(mix(skyTop, skyLow, k)))
  }
  // Hills, then the far bank down to the bottom (the water covers its lower part).
  for (let x = 0; x < width; x++) {
    const top = horizon - 18 + 10 * Math.sin(x / 37) + 5 * Math.sin(x / 13 + 1)
    canvas.rect(x, top, 1, horizon - top + 2, shade([45, 80, 50]))
  }
  for (let y = horizon; y < height; y++) {
    canvas.rect(0, y, width, 1, shade(mix([95, 110, 70], [120, 100, 75], (y - horizon) / (height - horizon))))
  }

  const yOf = (levelM: number): number => {
    const k = (levelM - (crest - SHOWN_BELOW_CREST_M)) / (SHOWN_BELOW_CREST_M + SHOWN_ABOVE_CREST_M)
    return Math.round(height - 6 - k * (height - 6 - horizon - 6))
  }
  drawGauge(canvas, width, height, crest, yOf, shade)

  const waterY = Math.max(horizon + 4, Math.min(height, yOf(view.levelM)))
  // Turbid after heavy rain: the water browns.
  const water = mix([40, 90, 120], [110, 95, 60], Math.min(1, rain / 40))
  for (let y = waterY; y < height; y++) {
    canvas.rect(0, y, width, 1, shade(mix(water, [20, 45, 60], (y - waterY) / height)), 0.88)
  }
  for (let i = 0; i < 40; i++) {
    const y = waterY + 2 + random.next() * (height - waterY)
    const x = random.next() * width
    canvas.rect(x, y, 6 + random.next() * 18, 1, shade([200, 215, 225]), 0.25)
  }
  canvas.rect(0, waterY, width, 1, shade([210, 225, 230]), 0.7)

  const streaks = Math.min(400, Math.round(rain * 5))
  for (let i = 0; i < streaks; i++) {
    const x = random.next() * (width + 20)
    const y = random.next() * height
    canvas.line(x, y, x - 3, y + 9, [225, 230, 240], 0.35)
  }

  canvas.label(6, 6, jstStamp(view.captureTs), 2, [255, 255, 255])
  canvas.label(6, height - 18, `${view.levelM.toFixed(2)}m`, 2, [255, 230, 120])
  return canvas.image
}

/** The gauge staff (量水標): white with a mark every 0.5 m and the spillway crest in red. */
function drawGauge(
  canvas: Canvas,
  width: number,
  height: number,
  crest: number,
  yOf: (m: number) => number,
  shade: (c: Rgb) => Rgb,
): void {
  const x = Math.round(width * 0.78)
  const top = yOf(crest + SHOWN_ABOVE_CREST_M - 0.2)
  canvas.rect(x, top, 10, height - top, shade([235, 235, 230]))
  for (let m = Math.ceil((crest - SHOWN_BELOW_CREST_M) * 2) / 2; m <= crest + 0.8; m += 0.5) {
    const whole = Number.isInteger(m)
    canvas.rect(x, yOf(m), whole ? 10 : 6, whole ? 2 : 1, shade([30, 30, 30]))
  }
  const crestY = yOf(crest)
  canvas.rect(x - 2, crestY - 1, 14, 3, shade([220, 30, 30]))
  for (let dx = 0; dx < width; dx += 12) canvas.rect(dx, crestY, 6, 1, shade([220, 60, 60]), 0.6)
}

function mix(a: Rgb, b: Rgb, k: number): Rgb {
  const t = Math.min(1, Math.max(0, k))
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/**
 * The JPEG the camera publishes: the scene, quality 75, with a COM segment naming the station
 * and capture time (so a file on disk says where it came from).
 * @example reservoirJpeg({ deviceId: 'r-01', captureTs: Date.now(), levelM: 8.6, rainMmH: 0 }).length // ~15 KB
 */
export function reservoirJpeg(view: ReservoirView, quality = 75): Uint8Array {
  const comment = `mimamori simulated camera ${view.deviceId} ${new Date(view.captureTs).toISOString()} level ${view.levelM.toFixed(2)} m`
  return encodeJpeg(renderReservoirScene(view), { quality, comment })
}
