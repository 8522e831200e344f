import {
  AC_CHROMA,
  AC_LUMA,
  CHROMA_QUANT,
  DC_CHROMA,
  DC_LUMA,
  type HuffmanSpec,
  huffmanCodes,
  LUMA_QUANT,
  scaleQuant,
  ZIGZAG,
} from './jpeg-tables.js'

/** An RGB image, 3 bytes per pixel, row by row. */
export interface RgbImage {
  width: number
  height: number
  data: Uint8Array
}

export interface JpegOptions {
  /** 1–100, default 75. */
  quality?: number
  /** One component (Y) instead of three (YCbCr). */
  grayscale?: boolean
  /** Written into a COM segment (ASCII), e.g. the station and capture time. */
  comment?: string
}

/** cos((2x+1)uπ/16) · C(u) / 2, so one row pass plus one column pass is the 2-D DCT of T.81 A.3.3. */
const DCT = (() => {
  const table = new Float64Array(64)
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) {
      table[u * 8 + x] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)
    }
  }
  return table
})()

/** Writes entropy-coded bits MSB first, stuffing a 0x00 after every 0xFF byte (T.81 F.1.2.3). */
class BitWriter {
  bytes = new Uint8Array(16_384)
  length = 0
  private acc = 0
  private count = 0

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2)
      bigger.set(this.bytes)
      this.bytes = bigger
    }
    this.bytes[this.length++] = value
  }

  bits(value: number, size: number): void {
    for (let i = size - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1)
      if (++this.count === 8) {
        this.byte(this.acc)
        if (this.acc === 0xff) this.byte(0)
        this.acc = 0
        this.count = 0
      }
    }
  }

  /** Pads the last byte with 1-bits, as T.81 F.1.2.3 asks. */
  flush(): void {
    if (this.count > 0) this.bits((1 << (8 - this.count)) - 1, 8 - this.count)
  }
}

/** Bits needed for |v| (the JPEG "category"). */
function category(v: number): number {
  let a = Math.abs(v)
  let n = 0
  while (a > 0) {
    a >>= 1
    n++
  }
  return n
}

/**
 * Encodes a baseline (SOF0), Huffman-coded JPEG with the Annex K tables: YCbCr without
 * chroma subsampling, or grayscale. Small and dependency-free; a synthetic 320×240 scene comes
 * out at 10–30 KB. The output starts with FF D8 FF (SOI, then APP0) like any camera's.
 * @example const jpeg = encodeJpeg({ width: 8, height: 8, data: new Uint8Array(192) }, { quality: 80 })
 */
export function encodeJpeg(image: RgbImage, opts: JpegOptions = {}): Uint8Array {
  const { width, height, data } = image
  if (width < 1 || height < 1 || width > 65_535 || height > 65_535) throw new Error('bad image size')
  if (data.length < width * height * 3) throw new Error('image data shorter than width × height × 3')
  const quality = opts.quality ?? 75
  const quants = [scaleQuant(LUMA_QUANT, quality), scaleQuant(CHROMA_QUANT, quality)]
  const comps = opts.grayscale ? 1 : 3
  const out = new BitWriter()
  const marker = (code: number, body: number[]) => {
    out.byte(0xff)
    out.byte(code)
    out.byte((body.length + 2) >> 8)
    out.byte((body.length + 2) & 0xff)
    for (const b of body) out.byte(b)
  }
  out.byte(0xff)
  out.byte(0xd8) // SOI
  marker(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]) // APP0 "JFIF", v1.1, aspect 1:1
  if (opts.comment) marker(0xfe, [...Buffer.from(opts.comment, 'latin1')].slice(0, 60_000))
  for (let t = 0; t < (comps === 1 ? 1 : 2); t++) {
    marker(0xdb, [t, ...ZIGZAG.map((i) => (quants[t] as number[])[i] as number)]) // DQT, 8-bit
  }
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, comps]
  for (let c = 0; c < comps; c++) sof.push(c + 1, 0x11, c === 0 ? 0 : 1)
  marker(0xc0, sof) // SOF0: baseline, no subsampling
  const specs: Array<[number, HuffmanSpec]> = [
    [0x00, DC_LUMA],
    [0x10, AC_LUMA],
    [0x01, DC_CHROMA],
    [0x11, AC_CHROMA],
  ]
  for (const [id, spec] of specs.slice(0, comps === 1 ? 2 : 4))
    marker(0xc4, [id, ...spec.bits, ...spec.values])
  const sos = [comps]
  for (let c = 0; c < comps; c++) sos.push(c + 1, c === 0 ? 0x00 : 0x11)
  marker(0xda, [...sos, 0, 63, 0])

  const tables = [
    { dc: huffmanCodes(DC_LUMA), ac: huffmanCodes(AC_LUMA), quant: quants[0] as number[] },
    { dc: huffmanCodes(DC_CHROMA), ac: huffmanCodes(AC_CHROMA), quant: quants[1] as number[] },
  ]
  const previousDc = [0, 0, 0]
  const block = new Float64Array(64)
  const temp = new Float64Array(64)
  const coeffs = new Int32Array(64)
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let c = 0; c < comps; c++) {
        loadBlock(image, bx, by, c, comps === 1, block)
        const table = tables[c === 0 ? 0 : 1] as (typeof tables)[number]
        forwardDct(block, temp)
        for (let i = 0; i < 64; i++)
          coeffs[i] = Math.round(
            (block[ZIGZAG[i] as number] as number) / (table.quant[ZIGZAG[i] as number] as number),
          )
        const diff = (coeffs[0] as number) - (previousDc[c] as number)
        previousDc[c] = coeffs[0] as number
        writeBlock(out, coeffs, diff, table.dc, table.ac)
      }
    }
  }
  out.flush()
  out.byte(0xff)
  out.byte(0xd9) // EOI
  return out.bytes.slice(0, out.length)
}

/** One 8×8 block of component `c` (0 = Y, 1 = Cb, 2 = Cr), level-shifted; edges repeat the last pixel. */
function loadBlock(
  image: RgbImage,
  bx: number,
  by: number,
  c: number,
  gray: boolean,
  block: Float64Array,
): void {
  const { width, height, data } = image
  for (let y = 0; y < 8; y++) {
    const row = Math.min(by + y, height - 1) * width
    for (let x = 0; x < 8; x++) {
      const p = (row + Math.min(bx + x, width - 1)) * 3
      const r = data[p] as number
      const g = data[p + 1] as number
      const b = data[p + 2] as number
      let v: number
      if (c === 0 || gray) v = 0.299 * r + 0.587 * g + 0.114 * b
      else if (c === 1) v = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
      else v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
      block[y * 8 + x] = v - 128
    }
  }
}

/** Separable 2-D DCT-II in place (rows, then columns); precision is plenty for 8-bit images. */
function forwardDct(block: Float64Array, temp: Float64Array): void {
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0
      for (let x = 0; x < 8; x++) s += (block[y * 8 + x] as number) * (DCT[u * 8 + x] as number)
      temp[y * 8 + u] = s
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let s = 0
      for (let y = 0; y < 8; y++) s += (temp[y * 8 + u] as number) * (DCT[v * 8 + y] as number)
      block[v * 8 + u] = s
    }
  }
}

type Codes = { code: Uint16Array; size: Uint8Array }

/** DC difference, then AC run/size symbols with ZRL (16 zeros) and EOB (T.81 F.1.2). */
function writeBlock(out: BitWriter, zz: Int32Array, diff: number, dc: Codes, ac: Codes): void {
  const dcSize = category(diff)
  out.bits(dc.code[dcSize] as number, dc.size[dcSize] as number)
  if (dcSize > 0) out.bits(diff < 0 ? diff + (1 << dcSize) - 1 : diff, dcSize)
  let run = 0
  for (let i = 1; i < 64; i++) {
    const v = zz[i] as number
    if (v === 0) {
      run++
      continue
    }
    while (run > 15) {
      out.bits(ac.code[0xf0] as number, ac.size[0xf0] as number)
      run -= 16
    }
    const size = category(v)
    const symbol = (run << 4) | size
    out.bits(ac.code[symbol] as number, ac.size[symbol] as number)
    out.bits(v < 0 ? v + (1 << size) - 1 : v, size)
    run = 0
  }
  if (run > 0) out.bits(ac.code[0] as number, ac.size[0] as number)
}
