import type { TileConfig } from '../pages/page.js'

/**
 * Tile source from `<meta name="mimamori-tiles" content="https://…/{z}/{x}/{y}.png">` and its
 * attribution from `<meta name="mimamori-tiles-attribution">`; GSI standard tiles by default.
 * An empty content turns tiles off (a closed network with no tile server).
 */
export function tileConfig(doc: Pick<Document, 'querySelector'>): TileConfig {
  const meta = (name: string) =>
    doc.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.getAttribute('content') ?? undefined
  const url = meta('mimamori-tiles')
  if (url === undefined) return { url: GSI_TILES.url, attribution: GSI_TILES.attribution }
  return { url: url.trim(), attribution: meta('mimamori-tiles-attribution') ?? '' }
}

export const GSI_TILES: TileConfig = {
  url: 'https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png',
  attribution: '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
}
