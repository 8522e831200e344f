import * as L from 'leaflet'
import { h } from '../dom.js'
import { formatValue, kindLabel, metricLabel } from '../format.js'
import { orderedMetrics } from '../latest-values.js'
import type { TileConfig } from '../pages/page.js'
import { deviceHref } from '../routes.js'
import { hasPosition } from '../sites.js'
import { statusLook } from '../status.js'
import type { DeviceSummary } from '../types.js'
import type { GetUi } from '../ui-context.js'

/** Japan as a whole, until the first positioned device tells us where to look. */
const DEFAULT_VIEW: { center: L.LatLngTuple; zoom: number } = { center: [36.2, 138.25], zoom: 5 }

export interface OverviewMap {
  /** Places one marker per positioned device; the view fits them the first time there are some. */
  update(devices: readonly DeviceSummary[]): void
  destroy(): void
}

/**
 * The map of the overview. Tiles come from the configured URL (GSI standard tiles by default);
 * without a network the tiles stay blank but the markers, which need nothing from outside, show.
 * Each marker is a focusable button whose text is the device's status word and icon, never only
 * its colour.
 */
export function createOverviewMap(container: HTMLElement, ui: GetUi, tiles: TileConfig): OverviewMap {
  const { t } = ui()
  const map = L.map(container, {
    zoomControl: false,
    scrollWheelZoom: false,
    attributionControl: true,
  }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom)
  L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map)
  if (tiles.url !== '') {
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18, crossOrigin: false }).addTo(map)
  }
  const layer = L.layerGroup().addTo(map)
  let fitted = false

  function icon(device: DeviceSummary): L.DivIcon {
    const look = statusLook(device.status)
    const label = `${device.id} ${t(look.labelKey)}`
    const html = h(
      'span',
      { class: `map-marker badge-${look.status}` },
      h('span', { 'aria-hidden': 'true' }, look.icon),
      h('span', { class: 'visually-hidden' }, label),
    )
    return L.divIcon({ html, className: 'map-marker-wrap', iconSize: [32, 32], iconAnchor: [16, 16] })
  }

  function popup(device: DeviceSummary): HTMLElement {
    const { lang } = ui()
    const metric = orderedMetrics(device.kind, device.latest)[0]
    return h(
      'div',
      { class: 'map-popup' },
      h('a', { href: deviceHref(device.id) }, device.id),
      h('p', {}, `${kindLabel(device.kind, t)}${device.site ? ` ・ ${device.site}` : ''}`),
      h('p', {}, t(statusLook(device.status).labelKey)),
      metric !== undefined &&
        h('p', {}, `${metricLabel(metric, t)} ${formatValue(metric, device.latest[metric]?.value, lang)}`),
    )
  }

  return {
    update(devices) {
      layer.clearLayers()
      const placed = devices.filter(hasPosition)
      for (const device of placed) {
        L.marker([device.lat, device.lon], {
          icon: icon(device),
          title: `${device.id} ${t(statusLook(device.status).labelKey)}`,
          keyboard: true,
          riseOnHover: true,
        })
          .bindPopup(popup(device))
          .addTo(layer)
      }
      if (!fitted && placed.length > 0) {
        fitted = true
        const bounds = L.latLngBounds(placed.map((d) => [d.lat, d.lon] as L.LatLngTuple))
        map.fitBounds(bounds.pad(0.2), { maxZoom: 14 })
      }
    },
    destroy() {
      map.remove()
    },
  }
}
