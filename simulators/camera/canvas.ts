import type { RgbImage } from './jpeg-encoder.js'

export type Rgb = readonly [number, number, number]

/** A tiny RGB canvas: rectangles, blended lines and a 3×5 pixel font, enough for a synthetic camera still. */
export interface Canvas {
  readonly image: RgbImage
  set(x: number, y: number, color: Rgb, alpha?: number): void
  rect(x: number, y: number, w: number, h: number, color: Rgb, alpha?: number): void
  /** A 1-pixel line, alpha-blended (rain streaks). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, alpha?: number): void
  /** Text in the 3×5 font scaled by `scale`, on a dark box so it reads on any background. */
  label(x: number, y: number, text: string, scale: number, color: Rgb): void
}

/** 3×5 glyphs, one row per 3-bit number (MSB = left); enough for timestamps and levels. */
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0],
  ':': [0, 2, 0, 2, 0],
  '.': [0, 0, 0, 0, 2],
  '/': [1, 1, 2, 4, 4],
  m: [0, 0, 7, 7, 5],
  J: [1, 1, 1, 5, 7],
  S: [7, 4, 7, 1, 7],
  T: [7, 2, 2, 2, 2],
  ' ': [0, 0, 0, 0, 0],
}

export function createCanvas(width: number, height: number, fill: Rgb = [0, 0, 0]): Canvas {
  const data = new Uint8Array(width * height * 3)
  for (let i = 0; i < width * height; i++) data.set(fill, i * 3)
  const set = (x: number, y: number, color: Rgb, alpha = 1): void => {
    const xi = Math.round(x)
    const yi = Math.round(y)
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return
    const p = (yi * width + xi) * 3
    for (let c = 0; c < 3; c++) {
      data[p + c] = Math.round((data[p + c] as number) * (1 - alpha) + (color[c] as number) * alpha)
    }
  }
  const rect = (x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void => {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(height, Math.ceil(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(width, Math.ceil(x + w)); xx++)
        set(xx, yy, color, alpha)
    }
  }
  return {
    image: { width, height, data },
    set,
    rect,
    line(x0, y0, x1, y1, color, alpha = 1) {
      const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))))
      for (let i = 0; i <= steps; i++)
        set(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, color, alpha)
    },
    label(x, y, text, scale, color) {
      rect(x - scale, y - scale, (text.length * 4 + 1) * scale, 7 * scale, [0, 0, 0], 0.65)
      for (let i = 0; i < text.length; i++) {
        const rows = GLYPHS[text[i] as string] ?? GLYPHS[' ']
        rows?.forEach((bits, row) => {
          for (let col = 0; col < 3; col++) {
            if ((bits >> (2 - col)) & 1) rect(x + (i * 4 + col) * scale, y + row * scale, scale, scale, color)
          }
        })
      }
    },
  }
}
