import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_IMAGE_BYTES, looksLikeJpeg } from '../../firmware-contracts/index.js'
import { testDir } from '../../tests/helpers/temp-dir.js'
import { decodeJpeg } from '../testing/jpeg-decode.js'
import { encodeJpeg, type RgbImage } from './jpeg-encoder.js'
import { AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA } from './jpeg-tables.js'
import { renderReservoirScene, reservoirJpeg } from './reservoir-scene.js'

const STORM = {
  deviceId: 'r-01',
  captureTs: Date.parse('2026-09-16T10:40:00+09:00'),
  levelM: 9.79,
  rainMmH: 45,
}

/** The segment markers in file order, walking the lengths as a decoder does (the scan ends at EOI). */
function markers(bytes: Uint8Array): number[] {
  const out: number[] = [bytes[1] as number]
  let pos = 2
  while (pos < bytes.length) {
    expect(bytes[pos]).toBe(0xff)
    const code = bytes[pos + 1] as number
    out.push(code)
    if (code === 0xd9) break
    const len = ((bytes[pos + 2] as number) << 8) | (bytes[pos + 3] as number)
    pos += 2 + len
    if (code === 0xda) {
      // Entropy-coded data: every 0xFF is stuffed (FF 00) until the EOI marker.
      while (!(bytes[pos] === 0xff && bytes[pos + 1] !== 0)) pos += bytes[pos] === 0xff ? 2 : 1
    }
  }
  return out
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0
  for (let i = 0; i < a.length; i++) se += ((a[i] as number) - (b[i] as number)) ** 2
  return 10 * Math.log10(255 ** 2 / (se / a.length))
}

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3)
  }
  return { width, height, data }
}

describe('encodeJpeg', () => {
  it('writes a baseline JPEG: SOI, APP0, DQT, SOF0, DHT, SOS, EOI', () => {
    const jpeg = reservoirJpeg(STORM)
    expect(looksLikeJpeg(jpeg)).toBe(true)
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9])
    expect(markers(jpeg)).toEqual([0xd8, 0xe0, 0xfe, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda, 0xd9])
    // SOF0: 8-bit, 240 × 320, three components without subsampling.
    const sof = jpeg.indexOf(0xc0, 2) + 1
    expect([...jpeg.subarray(sof + 2, sof + 9)]).toEqual([8, 0, 240, 1, 64, 3, 1])
    expect(jpeg.length).toBeGreaterThan(3000)
    expect(jpeg.length).toBeLessThan(60_000)
    expect(jpeg.length).toBeLessThan(DEFAULT_MAX_IMAGE_BYTES)
  })

  it('decodes back to the picture it drew', () => {
    const picture = renderReservoirScene(STORM)
    const decoded = decodeJpeg(reservoirJpeg(STORM))
    expect(decoded).toMatchObject({ width: 320, height: 240, components: 3 })
    expect(psnr(picture.data, decoded.data)).toBeGreaterThan(30)
  })

  it('handles sizes that are not a multiple of 8, grayscale, and every quality', () => {
    for (const [w, h] of [
      [1, 1],
      [13, 7],
      [100, 33],
    ] as const) {
      const image = gradient(w, h)
      const decoded = decodeJpeg(encodeJpeg(image, { quality: 90 }))
      expect([decoded.width, decoded.height]).toEqual([w, h])
      if (w > 8) expect(psnr(image.data, decoded.data)).toBeGreaterThan(30)
    }
    const gray = decodeJpeg(encodeJpeg(gradient(64, 48), { grayscale: true }))
    expect(gray.components).toBe(1)
    expect(gray.markers.filter((m) => m === 0xdb || m === 0xc4)).toEqual([0xdb, 0xc4, 0xc4])
    const small = encodeJpeg(renderReservoirScene(STORM), { quality: 10 }).length
    const large = encodeJpeg(renderReservoirScene(STORM), { quality: 95 }).length
    expect(small).toBeLessThan(large)
    expect(decodeJpeg(encodeJpeg(gradient(40, 40), { quality: 100 })).width).toBe(40)
  })

  it('uses the Annex K Huffman tables (162 AC symbols each)', () => {
    for (const spec of [DC_LUMA, DC_CHROMA, AC_LUMA, AC_CHROMA]) {
      expect(spec.bits.reduce((a, b) => a + b, 0)).toBe(spec.values.length)
    }
    expect(AC_LUMA.values).toHaveLength(162)
    expect(AC_CHROMA.values).toHaveLength(162)
  })

  it('is read by libjpeg (djpeg), when installed', (ctx) => {
    const probe = spawnSync('djpeg', ['-version'])
    if (probe.error) return ctx.skip()
    const file = join(testDir('jpeg'), 'storm.jpg')
    writeFileSync(file, reservoirJpeg(STORM))
    const result = spawnSync('djpeg', ['-pnm', file])
    expect(result.status).toBe(0)
    expect(result.stderr.toString()).toBe('')
    expect(result.stdout.subarray(0, 15).toString('latin1')).toMatch(/^P6\s+320\s+240\s+255/)
  })
})

describe('renderReservoirScene', () => {
  it('draws the water line higher for a higher level', () => {
    const waterRow = (levelM: number) => {
      const { data, width } = renderReservoirScene({ ...STORM, rainMmH: 0, levelM })
      // The brightest row of the left edge is the lit water line.
      let best = 0
      let bestY = 0
      for (let y = 110; y < 240; y++) {
        const p = (y * width + 150) * 3
        const v = (data[p] as number) + (data[p + 1] as number) + (data[p + 2] as number)
        if (v > best) [best, bestY] = [v, y]
      }
      return bestY
    }
    expect(waterRow(9.5)).toBeLessThan(waterRow(8.5))
    expect(waterRow(8.5)).toBeLessThan(waterRow(7))
  })
})
