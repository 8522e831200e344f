import type { Api } from '../../api.js'
import { createRangeChart, type RangeChart } from '../../charts/range-chart.js'
import {
  type ChartData,
  chartData,
  dataStats,
  mergeRaw,
  RANGES,
  type RangeKey,
  rangeMs,
  stepFor,
} from '../../charts/ranges.js'
import { thresholdLines } from '../../charts/threshold-lines.js'
import { frameScheduler, h, replaceChildren } from '../../dom.js'
import { formatAxisTime, formatMoment, formatValue, metricLabel } from '../../format.js'
import { gapRange } from '../../live-sync.js'
import { statusLook } from '../../status.js'
import type { ReadingFrame, Rule } from '../../types.js'
import type { GetUi } from '../../ui-context.js'

export interface ChartPanelDeps {
  api: Pick<Api, 'readings'>
  ui: GetUi
  deviceId: string
  metric: string
  unit: string
  rules: readonly Rule[]
  /** Kept by the page, so a language switch (which rebuilds the panel) keeps the range. */
  range: RangeKey
  onRange(range: RangeKey): void
  onError(error: unknown): void
}

export interface ChartPanel {
  element: HTMLElement
  /** Call once the element is in the document (uPlot measures its container). */
  mount(): void
  applyFrame(frame: ReadingFrame): void
  resync(): Promise<void>
  destroy(): void
}

/** A raw window slides even when the device is silent, so an old line never looks current. */
const SLIDE_EVERY_MS = 30_000
const MINUTE = 60_000

/**
 * The chart of the device page: a range picker (6 h raw points; 24 h to 1 y as buckets from the
 * aggregate API), zoom by drag or buttons, the alert levels as lines, and the same in words below.
 */
export function createChartPanel(deps: ChartPanelDeps): ChartPanel {
  const { api, ui, metric } = deps
  let range: RangeKey = deps.range
  let data: ChartData = { type: 'raw', points: [] }
  let from = 0
  let to = 0
  let loading = false
  let generation = 0
  let chart: RangeChart | undefined
  let view: [number, number] | undefined

  const chartBox = h('div', { class: 'chart', 'aria-hidden': 'true' })
  const summary = h('p', { class: 'chart-summary' })
  const zoomState = h('p', { class: 'zoom-state muted', 'aria-live': 'polite' })
  const picker = h('fieldset', { class: 'range-picker' })
  const zoomBar = h('div', { class: 'zoom-bar' })
  const caption = h('figcaption', {})
  const element = h(
    'figure',
    { class: 'chart-figure' },
    caption,
    picker,
    chartBox,
    zoomBar,
    zoomState,
    summary,
  )

  const format = (v: number) => formatValue(metric, v, ui().lang)

  function renderSummary(): void {
    const { t, lang } = ui()
    const stats = dataStats(data)
    const rangeLabel = t(`range.${range}`)
    if (loading && stats.count === 0) summary.textContent = t('app.loading')
    else if (stats.count === 0) summary.textContent = t('detail.chartEmptyRange', { range: rangeLabel })
    else {
      const params = {
        range: rangeLabel,
        latest: formatValue(metric, stats.latest, lang),
        min: formatValue(metric, stats.min, lang),
        max: formatValue(metric, stats.max, lang),
        count: stats.count,
      }
      const step = data.type === 'buckets' && data.points.length > 1 ? stepFor(to - from) : undefined
      summary.textContent =
        data.type === 'buckets'
          ? t('detail.chartSummaryBuckets', { ...params, step: Math.round((step ?? 0) / MINUTE) })
          : `${t('detail.chartSummaryRange', params)}${
              stats.maintenance > 0 ? ` ${t('detail.maintenancePoints', { count: stats.maintenance })}` : ''
            }`
    }
    zoomState.textContent =
      view === undefined
        ? ''
        : t('detail.zoomed', {
            from: formatMoment(view[0], ui().now(), lang),
            to: formatMoment(view[1], ui().now(), lang),
          })
  }

  function renderControls(): void {
    const { t } = ui()
    caption.textContent = t('detail.chartCaptionRange', {
      metric: metricLabel(metric, t),
      unit: deps.unit || '—',
      range: t(`range.${range}`),
    })
    replaceChildren(
      picker,
      h('legend', {}, t('detail.range')),
      RANGES.map(({ key }) => {
        const id = `range-${key}`
        const input = h('input', { type: 'radio', name: 'range', id, value: key, checked: key === range })
        input.addEventListener('change', () => {
          if (input.checked) setRange(key)
        })
        return h('span', { class: 'range-option' }, input, h('label', { for: id }, t(`range.${key}`)))
      }),
    )
    const button = (
      id: string,
      key: 'detail.zoomIn' | 'detail.zoomOut' | 'detail.zoomReset',
      fn: () => void,
    ) => {
      const b = h('button', { type: 'button', class: 'button-secondary', id }, t(key))
      b.addEventListener('click', fn)
      return b
    }
    replaceChildren(
      zoomBar,
      button('zoom-in', 'detail.zoomIn', () => chart?.zoomIn()),
      button('zoom-out', 'detail.zoomOut', () => chart?.zoomOut()),
      button('zoom-reset', 'detail.zoomReset', () => chart?.resetZoom()),
      h('span', { class: 'muted zoom-hint' }, t('detail.zoomHint')),
    )
  }

  async function load(): Promise<void> {
    const gen = ++generation
    to = ui().now()
    from = to - rangeMs(range)
    loading = true
    renderSummary()
    try {
      const readings = await api.readings(deps.deviceId, metric, from, to, stepFor(to - from))
      if (gen !== generation) return
      data = chartData(readings)
    } catch (error) {
      if (gen !== generation) return
      data = { type: 'raw', points: [] }
      deps.onError(error)
      summary.textContent = ui().t('app.error', {
        detail: error instanceof Error ? error.message : String(error),
      })
      loading = false
      return
    }
    loading = false
    draw()
  }

  function draw(): void {
    chart?.setData(data, from, to)
    renderSummary()
  }

  // Live frames redraw at most once per animation frame.
  const drawSoon = frameScheduler(draw)

  function setRange(key: RangeKey): void {
    if (key === range) return
    range = key
    deps.onRange(key)
    view = undefined
    chart?.resetZoom()
    renderControls()
    void load()
  }

  const slide = setInterval(() => {
    if (data.type !== 'raw' || loading) return
    to = ui().now()
    from = to - rangeMs(range)
    const first = data.points.findIndex((p) => p.ts >= from)
    data = { type: 'raw', points: first <= 0 ? data.points : data.points.slice(first) }
    draw()
  }, SLIDE_EVERY_MS)

  return {
    element,
    mount() {
      renderControls()
      chart = createRangeChart({
        container: chartBox,
        seriesLabel: metricLabel(metric, ui().t),
        lines: thresholdLines(deps.rules, metric),
        format,
        formatTime: (ms, span) => formatAxisTime(ms, span, ui().lang),
        severityName: (s) => ui().t(statusLook(s).labelKey),
        onZoom: (next) => {
          view = next
          renderSummary()
        },
      })
      void load()
    },
    applyFrame(frame) {
      const value = frame.m[metric]
      // Buckets are refetched on resync; a single sample would not be one.
      if (data.type !== 'raw' || loading || typeof value !== 'number' || !Number.isFinite(value)) return
      data = { type: 'raw', points: mergeRaw(data.points, [{ ts: frame.ts, value }]) }
      to = Math.max(to, frame.ts, ui().now())
      from = to - rangeMs(range)
      drawSoon()
    },
    async resync() {
      if (data.type !== 'raw' || loading) return load()
      const gap = gapRange(data.points.at(-1)?.ts, ui().now(), rangeMs(range))
      const gen = generation
      try {
        const readings = await api.readings(deps.deviceId, metric, gap.from, gap.to)
        if (gen !== generation || data.type !== 'raw') return
        const fresh = chartData(readings)
        if (fresh.type === 'raw') data = { type: 'raw', points: mergeRaw(data.points, fresh.points) }
        to = ui().now()
        from = to - rangeMs(range)
        draw()
      } catch (error) {
        deps.onError(error)
      }
    },
    destroy() {
      clearInterval(slide)
      generation++
      chart?.destroy()
      chart = undefined
    },
  }
}
