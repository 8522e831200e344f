import { isDeviceKind, PRIMARY_METRIC, unitOf } from '../../../firmware-contracts/kinds.js'
import { type Api, ApiError } from '../api.js'
import { createDeviceChart, type DeviceChart } from '../charts/device-chart.js'
import { mergeSamples, pointsFromReadings, type Series, trimToWindow, WINDOW_MS } from '../charts/series.js'
import { chartRules, thresholdLines } from '../charts/threshold-lines.js'
import { frameScheduler, h, replaceChildren } from '../dom.js'
import { formatMoment, formatValue, isoTime, kindLabel, metricLabel } from '../format.js'
import { frameToLatest, gapRange, mergeLatest } from '../live-sync.js'
import { statusLook } from '../status.js'
import { statusBadge } from '../status-badge.js'
import type { DeviceDetail, LatestValues, ReadingFrame } from '../types.js'
import type { GetUi } from '../ui-context.js'
import { chartSummaryText, metricValueList, ruleText } from './detail-text.js'

export interface DetailPageDeps {
  api: Pick<Api, 'device' | 'readings'>
  ui: GetUi
  /** The list's status for the device (the detail endpoint has none). */
  statusOf(id: string): string | undefined
  /** Errors the page cannot handle itself, e.g. 401 → back to login. */
  onError(error: unknown): void
}

export interface DetailPage {
  select(id: string | undefined, focus?: boolean): void
  applyFrame(frame: ReadingFrame): void
  /** After a socket reconnect: refetch what frames may have missed, so the chart has no hole. */
  resync(): Promise<void>
  render(): void
  /** The list's status for the device changed (after an alert); swaps only the badge. */
  refreshStatus(): void
  stop(): void
}

/** A silent device still needs its hour window to slide, or an old line would look current. */
const SLIDE_EVERY_MS = 30_000

/** The metric the chart shows: the kind's primary one, else whatever the device reported first. */
export function chartMetric(kind: string, latest: LatestValues): string | undefined {
  if (isDeviceKind(kind)) return PRIMARY_METRIC[kind]
  return Object.keys(latest)[0]
}

type Phase =
  | { name: 'none' }
  | { name: 'loading'; id: string }
  | { name: 'error'; id: string; message: string; notFound: boolean }
  | { name: 'ready'; id: string; detail: DeviceDetail; metric: string | undefined; unit: string }

export function createDetailPage(root: HTMLElement, deps: DetailPageDeps): DetailPage {
  const { api, ui } = deps
  let phase: Phase = { name: 'none' }
  let latest: LatestValues = {}
  let series: Series = []
  // Frames that arrive while the device is loading, applied once we know its metric.
  let pending: ReadingFrame[] = []
  // Bumped on each selection so answers for a device the user already left are ignored.
  let generation = 0
  // A reconnect during the first load: that load may predate the gap, so resync right after it.
  let resyncAfterLoad = false
  let chart: DeviceChart | undefined
  let summaryEl: HTMLElement | undefined
  let valuesEl: HTMLElement | undefined
  let statusEl: HTMLElement = h('span')

  const heading = h('h2', { id: 'detail-heading', tabindex: '-1' })
  const body = h('div', { class: 'detail-body' })
  const refreshLive = frameScheduler(updateLive)
  const slide = setInterval(refreshLive, SLIDE_EVERY_MS)

  async function load(id: string, gen: number): Promise<void> {
    try {
      const detail = await api.device(id)
      if (gen !== generation) return
      const metric = chartMetric(detail.device.kind, detail.latest)
      let points: Series = []
      let unit = metric === undefined ? '' : unitOf(metric)
      if (metric !== undefined) {
        const now = ui().now()
        const readings = await api.readings(id, metric, now - WINDOW_MS, now)
        if (gen !== generation) return
        points = pointsFromReadings(readings)
        unit = readings.unit || unit
      }
      latest = mergeLatest(detail.latest, latest)
      series = points
      phase = { name: 'ready', id, detail, metric, unit }
      const buffered = pending
      pending = []
      for (const frame of buffered) absorb(frame)
      render()
      if (resyncAfterLoad) {
        resyncAfterLoad = false
        void resync()
      }
    } catch (error) {
      if (gen !== generation) return
      if (error instanceof ApiError && error.status === 401) {
        deps.onError(error)
        return
      }
      const notFound = error instanceof ApiError && error.status === 404
      phase = { name: 'error', id, message: error instanceof Error ? error.message : String(error), notFound }
      render()
    }
  }

  function absorb(frame: ReadingFrame): void {
    latest = mergeLatest(latest, frameToLatest(frame))
    if (phase.name !== 'ready' || phase.metric === undefined) return
    const value = frame.m[phase.metric]
    if (typeof value === 'number' && Number.isFinite(value))
      series = mergeSamples(series, [{ ts: frame.ts, value }])
  }

  function destroyChart(): void {
    chart?.destroy()
    chart = undefined
    summaryEl = undefined
    valuesEl = undefined
  }

  function statusSlot(id: string): HTMLElement {
    const status = deps.statusOf(id)
    return h('span', { class: 'detail-status' }, status !== undefined && statusBadge(status, ui().t))
  }

  function updateLive(): void {
    if (phase.name !== 'ready') return
    series = trimToWindow(series, ui().now())
    chart?.setSeries(series)
    if (summaryEl && phase.metric !== undefined)
      summaryEl.textContent = chartSummaryText(series, phase.metric, ui())
    if (valuesEl) {
      const next = metricValueList(latest, phase.detail.device.kind, phase.metric, ui())
      valuesEl.replaceWith(next)
      valuesEl = next
    }
  }

  function renderReady(p: Extract<Phase, { name: 'ready' }>): void {
    const { t, now } = ui()
    const { device, rules } = p.detail
    statusEl = statusSlot(device.id)
    const lastSeen = Math.max(device.lastSeen ?? 0, ...Object.values(latest).map((s) => s.ts)) || null
    const metric = p.metric
    valuesEl = metricValueList(latest, device.kind, metric, ui())
    const chartBox = h('div', { class: 'chart', 'aria-hidden': 'true' })
    summaryEl = h('p', { class: 'chart-summary' })
    const drawn = metric === undefined ? [] : chartRules(rules, metric)
    replaceChildren(
      body,
      h(
        'div',
        { class: 'detail-title' },
        h(
          'h3',
          {},
          t('detail.title', {
            id: device.id,
            kind: kindLabel(device.kind, t),
            site: device.site ?? t('devices.noSite'),
          }),
        ),
        statusEl,
      ),
      h(
        'p',
        { class: 'muted' },
        t('detail.lastSeen', { time: '' }),
        lastSeen === null
          ? t('devices.never')
          : h('time', { datetime: isoTime(lastSeen) }, formatMoment(lastSeen, now(), ui().lang)),
      ),
      metric !== undefined &&
        h(
          'figure',
          { class: 'chart-figure' },
          h(
            'figcaption',
            {},
            t('detail.chartCaption', { metric: metricLabel(metric, t), unit: p.unit || '—' }),
          ),
          chartBox,
          summaryEl,
        ),
      metric !== undefined &&
        h(
          'div',
          { class: 'thresholds' },
          h('h3', {}, t('detail.thresholds')),
          drawn.length === 0
            ? h('p', { class: 'muted' }, t('detail.noThresholds'))
            : h(
                'ul',
                {},
                drawn.map((rule) =>
                  h('li', {}, statusBadge(rule.severity, t), ' ', ruleText(rule, metric, ui())),
                ),
              ),
        ),
      h('h3', {}, t('detail.otherMetrics')),
      valuesEl,
      h('p', {}, h('a', { href: '#/', class: 'close-link' }, t('detail.close'))),
    )
    if (metric !== undefined) {
      chart = createDeviceChart({
        container: chartBox,
        seriesLabel: metricLabel(metric, t),
        lines: thresholdLines(rules, metric),
        format: (v) => formatValue(metric, v, ui().lang),
        severityName: (s) => t(statusLook(s).labelKey),
        now: ui().now,
      })
    }
    updateLive()
  }

  function render(): void {
    const { t } = ui()
    destroyChart()
    heading.textContent = t('detail.heading')
    switch (phase.name) {
      case 'none':
        replaceChildren(body, h('p', { class: 'muted' }, t('detail.none')))
        break
      case 'loading':
        replaceChildren(body, h('p', { class: 'muted', role: 'status' }, t('app.loading')))
        break
      case 'error': {
        const { id } = phase
        const retry = h('button', { type: 'button' }, t('app.retry'))
        retry.addEventListener('click', () => select(id))
        replaceChildren(
          body,
          h(
            'p',
            { class: 'form-error', role: 'alert' },
            phase.notFound ? t('detail.notFound', { id }) : t('app.error', { detail: phase.message }),
          ),
          !phase.notFound && retry,
        )
        break
      }
      case 'ready':
        renderReady(phase)
        break
    }
    if (root.firstChild === null) replaceChildren(root, heading, body)
  }

  async function resync(): Promise<void> {
    if (phase.name === 'loading') {
      resyncAfterLoad = true
      return
    }
    if (phase.name === 'error') {
      select(phase.id)
      return
    }
    if (phase.name !== 'ready') return
    const { id, metric } = phase
    const gen = generation
    try {
      const detail = await api.device(id)
      if (gen !== generation || phase.name !== 'ready') return
      latest = mergeLatest(latest, detail.latest)
      phase = { ...phase, detail }
      if (metric !== undefined) {
        const range = gapRange(series[series.length - 1]?.ts, ui().now())
        const readings = await api.readings(id, metric, range.from, range.to)
        if (gen !== generation) return
        series = mergeSamples(series, pointsFromReadings(readings))
      }
      // Rules or the status may have changed while we were away: rebuild, not just append.
      render()
    } catch (error) {
      if (gen === generation) deps.onError(error)
    }
  }

  function select(id: string | undefined, focus = false): void {
    const current = phase.name === 'none' ? undefined : phase.id
    if (id !== current || phase.name === 'error') {
      generation++
      resyncAfterLoad = false
      latest = {}
      series = []
      pending = []
      phase = id === undefined ? { name: 'none' } : { name: 'loading', id }
      render()
      if (id !== undefined) void load(id, generation)
    }
    if (focus) {
      heading.focus()
      root.scrollIntoView?.({ block: 'start' })
    }
  }

  return {
    select,
    applyFrame(frame) {
      if (phase.name === 'none' || frame.deviceId !== phase.id) return
      if (phase.name === 'loading') {
        pending.push(frame)
        return
      }
      if (phase.name !== 'ready') return
      absorb(frame)
      refreshLive()
    },
    resync,
    render,
    stop() {
      clearInterval(slide)
      generation++
      destroyChart()
    },
    refreshStatus() {
      if (phase.name !== 'ready') return
      const next = statusSlot(phase.id)
      statusEl.replaceWith(next)
      statusEl = next
    },
  }
}
