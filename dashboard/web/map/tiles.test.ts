import { describe, expect, it } from 'vitest'
import { GSI_TILES, tileConfig } from './tiles.js'

const doc = (metas: Record<string, string>) => ({
  querySelector: (selector: string) => {
    const name = /name="([^"]+)"/.exec(selector)?.[1] ?? ''
    return name in metas ? ({ getAttribute: () => metas[name] } as unknown as Element) : null
  },
})

describe('map tiles', () => {
  it('defaults to the GSI standard tiles with their attribution', () => {
    expect(tileConfig(doc({}) as unknown as Document)).toEqual(GSI_TILES)
    expect(GSI_TILES.attribution).toContain('地理院タイル')
  })

  it('takes the URL and attribution from the page, and an empty URL turns tiles off', () => {
    const own = tileConfig(
      doc({
        'mimamori-tiles': 'https://tiles.example/{z}/{x}/{y}.png',
        'mimamori-tiles-attribution': '© City',
      }) as unknown as Document,
    )
    expect(own).toEqual({ url: 'https://tiles.example/{z}/{x}/{y}.png', attribution: '© City' })
    expect(tileConfig(doc({ 'mimamori-tiles': ' ' }) as unknown as Document).url).toBe('')
  })
})
