/**
 * Test-only: a minimal baseline JPEG decoder (SOF0, Huffman, 8-bit, no subsampling, no restart
 * intervals), written independently of the encoder's block loop so a test can check that what
 * the camera sends decodes back to the picture it drew. Reads the markers as any decoder would.
 */
import { huffmanCodes, ZIGZAG } from '../camera/jpeg-tables.js'

export interface DecodedJpeg {
  width: number
  height: number
  components: number
  /** RGB, 3 bytes per pixel (grayscale is copied to all three). */
  data: Uint8Array
  /** Marker codes in file order, e.g. [0xd8, 0xe0, 0xdb, 0xc0, 0xc4, 0xda, 0xd9]. */
  markers: number[]
}

type Lookup = Map<number, number>

export function decodeJpeg(bytes: Uint8Array): DecodedJpeg {
  const markers: number[] = []
  const quant: number[][] = []
  const huff = new Map<number, Lookup>()
  let width = 0
  let height = 0
  let comps: Array<{ id: number; tq: number; td: number; ta: number }> = []
  let pos = 0
  const u16 = (p: number) => ((bytes[p] as number) << 8) | (bytes[p + 1] as number)
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('no SOI')
  markers.push(0xd8)
  pos = 2
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) throw new Error(`expected a marker at ${pos}`)
    const code = bytes[pos + 1] as number
    markers.push(code)
    if (code === 0xd9) break
    const len = u16(pos + 2)
    const body = bytes.subarray(pos + 4, pos + 2 + len)
    if (code === 0xdb) {
      for (let p = 0; p < body.length; p += 65) {
        const table: number[] = new Array(64)
        for (let i = 0; i < 64; i++) table[ZIGZAG[i] as number] = body[p + 1 + i] as number
        quant[(body[p] as number) & 15] = table
      }
    } else if (code === 0xc0) {
      height = u16(pos + 5)
      width = u16(pos + 7)
      comps = []
      for (let c = 0; c < (body[5] as number); c++) {
        if (body[7 + c * 3] !== 0x11) throw new Error('subsampling is not supported by this test decoder')
        comps.push({ id: body[6 + c * 3] as number, tq: body[8 + c * 3] as number, td: 0, ta: 0 })
      }
    } else if (code === 0xc4) {
      for (let p = 0; p < body.length; ) {
        const bits = [...body.subarray(p + 1, p + 17)]
        const count = bits.reduce((a, b) => a + b, 0)
        const values = [...body.subarray(p + 17, p + 17 + count)]
        const { code: codes, size } = huffmanCodes({ bits, values })
        const lookup: Lookup = new Map()
        for (const v of values) lookup.set(((size[v] as number) << 16) | (codes[v] as number), v)
        huff.set(body[p] as number, lookup)
        p += 17 + count
      }
    } else if (code === 0xda) {
      for (let c = 0; c < (body[0] as number); c++) {
        const comp = comps.find((k) => k.id === body[1 + c * 2])
        if (!comp) throw new Error('SOS names an unknown component')
        comp.td = (body[2 + c * 2] as number) >> 4
        comp.ta = (body[2 + c * 2] as number) & 15
      }
      const end = decodeScan(bytes, pos + 2 + len, { width, height, comps, quant, huff })
      pos = end.next
      return finish(end.planes, width, height, comps.length, [...markers, 0xd9])
    } else if (code >= 0xc1 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) {
      throw new Error(`not baseline: SOF${code - 0xc0}`)
    }
    pos += 2 + len
  }
  throw new Error('no SOS')
}

function decodeScan(
  bytes: Uint8Array,
  start: number,
  f: {
    width: number
    height: number
    comps: Array<{ tq: number; td: number; ta: number }>
    quant: number[][]
    huff: Map<number, Lookup>
  },
): { planes: Float64Array[]; next: number } {
  let pos = start
  let acc = 0
  let count = 0
  const bit = (): number => {
    if (count === 0) {
      const b = bytes[pos++] as number
      if (b === 0xff) {
        if (bytes[pos] !== 0) throw new Error(`marker 0xff${bytes[pos]?.toString(16)} inside the scan`)
        pos++
      }
      acc = b
      count = 8
    }
    count--
    return (acc >> count) & 1
  }
  const receive = (n: number): number => {
    let v = 0
    for (let i = 0; i < n; i++) v = (v << 1) | bit()
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v
  }
  const symbol = (table: Lookup): number => {
    let code = 0
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | bit()
      const v = table.get((len << 16) | code)
      if (v !== undefined) return v
    }
    throw new Error('bad Huffman code')
  }
  const bw = Math.ceil(f.width / 8)
  const bh = Math.ceil(f.height / 8)
  const planes = f.comps.map(() => new Float64Array(bw * 8 * bh * 8))
  const pred = f.comps.map(() => 0)
  const coef = new Float64Array(64)
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      f.comps.forEach((comp, c) => {
        const q = f.quant[comp.tq] as number[]
        coef.fill(0)
        const t = symbol(f.huff.get(comp.td) as Lookup)
        pred[c] = (pred[c] as number) + (t === 0 ? 0 : receive(t))
        coef[0] = (pred[c] as number) * (q[0] as number)
        for (let k = 1; k < 64; ) {
          const rs = symbol(f.huff.get(0x10 | comp.ta) as Lookup)
          if (rs === 0) break
          k += rs >> 4
          if ((rs & 15) === 0) {
            k++
            continue
          }
          const zz = ZIGZAG[k] as number
          coef[zz] = receive(rs & 15) * (q[zz] as number)
          k++
        }
        idctInto(coef, planes[c] as Float64Array, bx * 8, by * 8, bw * 8)
      })
    }
  }
  // Skip the 1-bit padding to the EOI marker.
  while (pos < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] === 0xd9)) pos++
  return { planes, next: pos }
}

/** C[u·8+x] = C(u)/2 · cos((2x+1)uπ/16): the inverse DCT of T.81 A.3.3 as two sums. */
const BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = Math.floor(i / 8)
  const x = i % 8
  return ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)
})

function idctInto(coef: Float64Array, plane: Float64Array, x0: number, y0: number, stride: number): void {
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let s = 0
      for (let v = 0; v < 8; v++) {
        const cy = BASIS[v * 8 + y] as number
        for (let u = 0; u < 8; u++) s += cy * (BASIS[u * 8 + x] as number) * (coef[v * 8 + u] as number)
      }
      plane[(y0 + y) * stride + x0 + x] = s + 128
    }
  }
}

function finish(
  planes: Float64Array[],
  width: number,
  height: number,
  n: number,
  markers: number[],
): DecodedJpeg {
  const stride = Math.ceil(width / 8) * 8
  const data = new Uint8Array(width * height * 3)
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * stride + x
      const Y = (planes[0] as Float64Array)[i] as number
      const cb = n === 3 ? ((planes[1] as Float64Array)[i] as number) - 128 : 0
      const cr = n === 3 ? ((planes[2] as Float64Array)[i] as number) - 128 : 0
      const p = (y * width + x) * 3
      data[p] = clamp(Y + 1.402 * cr)
      data[p + 1] = clamp(Y - 0.344136 * cb - 0.714136 * cr)
      data[p + 2] = clamp(Y + 1.772 * cb)
    }
  }
  return { width, height, components: n, data, markers }
}
