import type { Api } from '../../api.js'
import { h, replaceChildren } from '../../dom.js'
import { formatMoment, isoTime } from '../../format.js'
import type { CameraImage } from '../../types.js'
import type { GetUi } from '../../ui-context.js'

export interface CameraViewDeps {
  api: Pick<Api, 'images'>
  ui: GetUi
  deviceId: string
  onError(error: unknown): void
}

export interface CameraView {
  element: HTMLElement
  load(): Promise<void>
  render(): void
  destroy(): void
}

const HOUR = 3_600_000
const PERIODS = [24, 24 * 7] as const
/** Cameras send an image every few minutes; while the latest is shown, look for a newer one this often. */
const POLL_MS = 60_000

/**
 * The reservoir camera: the latest image, a timeline scrubber over the images of the chosen
 * period, and the capture time written under the image and in its text alternative.
 */
export function createCameraView(deps: CameraViewDeps): CameraView {
  const { api, ui, deviceId } = deps
  const element = h('section', { class: 'camera panel-inner', 'aria-labelledby': 'camera-heading' })
  let images: CameraImage[] = []
  let index = -1
  let hours: number = PERIODS[0]
  let loaded = false
  let failed: string | undefined
  const atLatest = () => index === images.length - 1

  async function load(): Promise<void> {
    const now = ui().now()
    try {
      const list = await api.images(deviceId, now - hours * HOUR, now, 1000)
      const wasLatest = index === -1 || atLatest()
      images = [...list].sort((a, b) => a.captureTs - b.captureTs)
      if (wasLatest || index >= images.length) index = images.length - 1
      failed = undefined
    } catch (error) {
      deps.onError(error)
      failed = error instanceof Error ? error.message : String(error)
    }
    loaded = true
    render()
  }

  /** Moves to another image, keeping focus on the control used (or the scrubber, if it is now disabled). */
  function show(next: number): void {
    const id = document.activeElement?.id ?? ''
    index = Math.max(0, Math.min(images.length - 1, next))
    render()
    const again = id === '' ? null : document.getElementById(id)
    if (again instanceof HTMLButtonElement && !again.disabled) again.focus()
    else document.getElementById('camera-scrubber')?.focus()
  }

  function render(): void {
    const { t, lang, now } = ui()
    const image = images[index]
    const time = (ms: number) => h('time', { datetime: isoTime(ms) }, formatMoment(ms, now(), lang))
    const periodSelect = h(
      'select',
      { id: 'camera-period' },
      PERIODS.map((p) =>
        h('option', { value: String(p), selected: p === hours }, t(p === 24 ? 'range.24h' : 'range.7d')),
      ),
    )
    periodSelect.addEventListener('change', () => {
      hours = Number(periodSelect.value)
      index = -1
      void load()
    })
    let body: Array<HTMLElement | false>
    if (!loaded) body = [h('p', { class: 'muted' }, t('app.loading'))]
    else if (failed !== undefined)
      body = [h('p', { class: 'form-error' }, t('app.error', { detail: failed }))]
    else if (image === undefined) body = [h('p', { class: 'muted' }, t('camera.none'))]
    else {
      const captured = formatMoment(image.captureTs, now(), lang)
      const scrubber = h('input', {
        type: 'range',
        id: 'camera-scrubber',
        min: 0,
        max: images.length - 1,
        step: 1,
        value: index,
        'aria-valuetext': t('camera.capturedAt', { time: captured }),
      })
      scrubber.addEventListener('input', () => show(Number(scrubber.value)))
      const step = (
        key: 'camera.prev' | 'camera.next' | 'camera.latest',
        to: () => number,
        disabled: boolean,
      ) => {
        const id = key.replace('.', '-')
        const b = h('button', { type: 'button', class: 'button-secondary', id, disabled }, t(key))
        b.addEventListener('click', () => show(to()))
        return b
      }
      body = [
        h(
          'figure',
          { class: 'camera-figure' },
          h('img', {
            src: image.url,
            alt: t('camera.alt', { device: deviceId, time: captured }),
            width: 640,
            height: 480,
            decoding: 'async',
          }),
          h(
            'figcaption',
            {},
            t('camera.capturedAt', { time: '' }),
            time(image.captureTs),
            ' ',
            h('span', { class: 'muted' }, t('camera.receivedAt', { time: '' }), time(image.receivedAt)),
            atLatest() && h('strong', { class: 'camera-latest' }, ` ${t('camera.isLatest')}`),
          ),
        ),
        h('label', { for: 'camera-scrubber' }, t('camera.timeline', { count: images.length })),
        scrubber,
        h(
          'div',
          { class: 'button-row' },
          step('camera.prev', () => index - 1, index <= 0),
          step('camera.next', () => index + 1, atLatest()),
          step('camera.latest', () => images.length - 1, atLatest()),
        ),
      ]
    }
    replaceChildren(
      element,
      h('h3', { id: 'camera-heading' }, t('camera.heading')),
      h(
        'div',
        { class: 'field field-inline' },
        h('label', { for: 'camera-period' }, t('camera.period')),
        periodSelect,
      ),
      body,
    )
  }

  const poll = setInterval(() => {
    if (atLatest() || images.length === 0) void load()
  }, POLL_MS)

  return { element, load, render, destroy: () => clearInterval(poll) }
}
