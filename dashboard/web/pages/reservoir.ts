import { h, keepFocus, replaceChildren } from '../dom.js'
import { formatMoment, formatValue, isoTime, metricLabel } from '../format.js'
import { gauge } from '../gauge.js'
import { deviceHref } from '../routes.js'
import { statusLook } from '../status.js'
import { statusBadge } from '../status-badge.js'
import type { CameraImage, DeviceSummary } from '../types.js'
import { createLevelsCache } from './levels-cache.js'
import type { Page, PageContext } from './page.js'

const METRIC = 'water_level_m'
const DAY = 86_400_000

/**
 * Many reservoirs on one screen in a storm: each one's level against its lines (normal full,
 * near the spillway crest, over it), rain, the latest camera image with its capture time, and a
 * link to the camera timeline and to the residents' public page.
 */
export function createReservoirPage(ctx: PageContext): Page {
  const { ui, root, devices, api } = ctx
  const listEl = h('ul', { class: 'card-list' })
  const levels = createLevelsCache(ctx, 'reservoir', () => renderList())
  const latestImage = new Map<string, CameraImage | null>()
  let stopped = false
  let imagesRequested = false

  async function loadImages(): Promise<void> {
    const now = ui().now()
    const ids = devices
      .list()
      .filter((d) => d.kind === 'reservoir')
      .map((d) => d.id)
    await Promise.all(
      ids.map(async (id) => {
        try {
          latestImage.set(id, (await api.images(id, now - DAY, now, 1))[0] ?? null)
        } catch (error) {
          ctx.onError(error)
          latestImage.set(id, null)
        }
      }),
    )
    if (!stopped) renderList()
  }

  function card(device: DeviceSummary): HTMLElement {
    const { t, lang, now } = ui()
    const lines = levels
      .rulesFor(device)
      .filter((r) => r.metric === METRIC && r.op === 'above' && r.threshold !== null)
      .sort((a, b) => (a.threshold ?? 0) - (b.threshold ?? 0))
    const value = device.latest[METRIC]?.value
    const image = latestImage.get(device.id)
    const captured = image ? formatMoment(image.captureTs, now(), lang) : ''
    return h(
      'li',
      { class: 'card reservoir-card', 'data-device-id': device.id },
      h(
        'div',
        { class: 'site-head' },
        h(
          'h3',
          {},
          h('a', { href: deviceHref(device.id), id: `res-link-${device.id}` }, device.site ?? device.id),
        ),
        statusBadge(device.status, t),
      ),
      h(
        'p',
        { class: 'big-value' },
        h('span', { class: 'value-name' }, metricLabel(METRIC, t)),
        ' ',
        h('strong', { 'data-metric': METRIC }, formatValue(METRIC, value, lang)),
        device.latest.rain_mm_h &&
          h(
            'span',
            { class: 'muted' },
            ` ${metricLabel('rain_mm_h', t)} ${formatValue('rain_mm_h', device.latest.rain_mm_h.value, lang)}`,
          ),
      ),
      gauge({
        value,
        marks: lines.map((l) => ({
          value: l.threshold ?? 0,
          severity: l.severity,
          label: t(statusLook(l.severity).labelKey),
        })),
      }),
      h(
        'ul',
        { class: 'level-lines' },
        lines.map((l) =>
          h(
            'li',
            {},
            statusBadge(l.severity, t),
            ' ',
            `${ui().lang === 'ja' ? (l.labelJa ?? l.label) : l.label} ${formatValue(METRIC, l.threshold, lang)}`,
          ),
        ),
      ),
      image === undefined
        ? h('p', { class: 'muted' }, t('app.loading'))
        : image === null
          ? h('p', { class: 'muted' }, t('camera.none'))
          : h(
              'figure',
              { class: 'camera-thumb' },
              h('img', {
                src: image.url,
                alt: t('camera.alt', { device: device.id, time: captured }),
                width: 320,
                height: 240,
                loading: 'lazy',
              }),
              h(
                'figcaption',
                {},
                t('camera.capturedAt', { time: '' }),
                h('time', { datetime: isoTime(image.captureTs) }, captured),
              ),
            ),
      h(
        'p',
        { class: 'muted' },
        t('detail.lastSeen', { time: '' }),
        device.lastSeen === null
          ? t('devices.never')
          : h('time', { datetime: isoTime(device.lastSeen) }, formatMoment(device.lastSeen, now(), lang)),
      ),
      h(
        'ul',
        { class: 'inline-list' },
        h('li', {}, h('a', { href: deviceHref(device.id) }, t('reservoir.cameraLink'))),
        h(
          'li',
          {},
          h(
            'a',
            { href: `public.html?id=${encodeURIComponent(device.id)}`, target: '_blank', rel: 'noopener' },
            t('reservoir.publicLink'),
          ),
        ),
      ),
    )
  }

  function drawList(): void {
    const { t } = ui()
    if (!devices.loaded()) {
      replaceChildren(listEl, h('li', { class: 'muted' }, t('app.loading')))
      return
    }
    const list = devices.list().filter((d) => d.kind === 'reservoir')
    if (!imagesRequested && list.length > 0) {
      imagesRequested = true
      void loadImages()
    }
    list.sort(
      (a, b) =>
        statusLook(b.status).rank - statusLook(a.status).rank ||
        (a.site ?? a.id).localeCompare(b.site ?? b.id, 'ja'),
    )
    replaceChildren(
      listEl,
      list.length === 0 ? h('li', { class: 'muted' }, t('reservoir.none')) : list.map(card),
    )
  }
  const renderList = (): void => keepFocus(listEl, drawList)

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'kind-page', 'aria-labelledby': 'reservoir-heading' },
        h('h2', { id: 'reservoir-heading', tabindex: '-1' }, t('reservoir.heading')),
        listEl,
      ),
    )
    renderList()
  }

  const unsubscribe = devices.subscribe(() => renderList())
  const poll = setInterval(() => void loadImages(), 60_000)
  return {
    render,
    resync() {
      levels.reload()
      void loadImages()
    },
    stop() {
      stopped = true
      clearInterval(poll)
      unsubscribe()
      levels.stop()
    },
  }
}
