import { isDeviceKind, PRIMARY_METRIC, unitOf } from '../../../firmware-contracts/kinds.js'
import { canAct } from '../access.js'
import { alertItem } from '../alert-item.js'
import { ApiError, query } from '../api.js'
import type { RangeKey } from '../charts/ranges.js'
import { chartRules } from '../charts/threshold-lines.js'
import { frameScheduler, h, keepFocus, replaceChildren } from '../dom.js'
import { kindLabel, stageLabel } from '../format.js'
import { type LevelSource, levelsFor, loadLevelSource } from '../levels-source.js'
import { frameToLatest, mergeLatest } from '../live-sync.js'
import { pageHref } from '../routes.js'
import { statusBadge } from '../status-badge.js'
import type { DeviceDetail, LatestValues } from '../types.js'
import { createCameraView } from './detail/camera.js'
import { createChartPanel } from './detail/chart-panel.js'
import { healthList, metricValueList, ruleText } from './detail-text.js'
import type { Page, PageContext } from './page.js'

/** The metric the chart shows: the kind's primary one, else whatever the device reported first. */
export function chartMetric(kind: string, latest: LatestValues): string | undefined {
  if (isDeviceKind(kind)) return PRIMARY_METRIC[kind]
  return Object.keys(latest)[0]
}

const HEALTH_METRICS = new Set(['battery_v', 'rssi_dbm'])
const withoutHealth = (latest: LatestValues): LatestValues =>
  Object.fromEntries(Object.entries(latest).filter(([m]) => !HEALTH_METRICS.has(m)))

const KIND_PAGE = { paddy: 'paddy', reservoir: 'reservoir', rail: 'rail' } as const
const DAY = 86_400_000

type Phase =
  | { name: 'loading' }
  | { name: 'error'; message: string; notFound: boolean }
  | { name: 'ready'; detail: DeviceDetail; levels: LevelSource | undefined }

/**
 * One device: status, health (last seen, battery, signal), the chart with its range picker and
 * alert levels, the levels in words, its open alerts with acknowledge, and for a reservoir the
 * camera with its timeline.
 */
export function createDevicePage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  const id = ctx.deviceId ?? ''
  let phase: Phase = { name: 'loading' }
  let latest: LatestValues = {}
  let range: RangeKey = '6h'
  let stopped = false
  const heading = h('h2', { id: 'detail-heading', tabindex: '-1' })
  const backLink = h('a', { href: pageHref('overview') })
  const body = h('div', { class: 'detail-body' })
  const valuesSlot = h('div')
  const alertsSlot = h('div')
  const statusSlot = h('span', { class: 'detail-status' })
  let chart: ReturnType<typeof createChartPanel> | undefined
  let camera: ReturnType<typeof createCameraView> | undefined

  async function load(): Promise<void> {
    try {
      const [detail, levels] = await Promise.all([api.device(id), loadLevelSource(api)])
      if (stopped) return
      latest = mergeLatest(detail.latest, latest)
      phase = { name: 'ready', detail, levels }
    } catch (error) {
      if (stopped) return
      if (error instanceof ApiError && error.status === 401) return ctx.onError(error)
      const notFound = error instanceof ApiError && error.status === 404
      phase = { name: 'error', message: error instanceof Error ? error.message : String(error), notFound }
    }
    render()
  }

  function renderValues(): void {
    if (phase.name !== 'ready') return
    const { t } = ui()
    const { device } = phase.detail
    const metric = chartMetric(device.kind, latest)
    replaceChildren(
      valuesSlot,
      h('h3', {}, t('detail.health')),
      healthList({ ...device, lastSeen: ctx.devices.get(id)?.lastSeen ?? device.lastSeen }, latest, ui()),
      h('h3', {}, t('detail.otherMetrics')),
      // Battery and signal are in the health list above; the rest of what the device sends here.
      metricValueList(withoutHealth(latest), device.kind, metric, ui()),
    )
    const status = ctx.devices.get(id)?.status ?? device.status
    replaceChildren(statusSlot, status !== undefined && statusBadge(status, t))
  }

  function renderAlerts(): void {
    const { t } = ui()
    const open = ctx.alerts.state().open.filter((a) => a.deviceId === id)
    keepFocus(alertsSlot, () =>
      replaceChildren(
        alertsSlot,
        h('h3', { id: 'device-alerts-heading' }, t('alerts.open'), ` (${open.length})`),
        open.length === 0
          ? h('p', { class: 'muted' }, t('alerts.noneOpen'))
          : h(
              'ul',
              { class: 'alert-list', 'aria-labelledby': 'device-alerts-heading' },
              open.map((a) => alertItem(a, ui, ctx.acks)),
            ),
      ),
    )
  }

  function renderReady(p: Extract<Phase, { name: 'ready' }>): void {
    const { t, now } = ui()
    const { device } = p.detail
    const metric = chartMetric(device.kind, latest)
    const { rules, stage } = levelsFor(p.levels, device, p.detail.rules, now())
    const drawn = metric === undefined ? [] : chartRules(rules, metric)
    heading.textContent = t('detail.title', {
      id: device.id,
      kind: kindLabel(device.kind, t),
      site: device.site ?? t('devices.noSite'),
    })
    chart?.destroy()
    chart =
      metric === undefined
        ? undefined
        : createChartPanel({
            api,
            ui,
            deviceId: id,
            metric,
            unit: unitOf(metric),
            rules,
            range,
            onRange: (r) => {
              range = r
            },
            onError: ctx.onError,
          })
    camera?.destroy()
    camera =
      device.kind === 'reservoir'
        ? createCameraView({ api, ui, deviceId: id, onError: ctx.onError })
        : undefined
    const kindPage = KIND_PAGE[device.kind as keyof typeof KIND_PAGE]
    const to = now()
    const exportHref = `/api/v1/export${query({ device: id, metric, from: to - 30 * DAY, to, format: 'csv' })}`
    replaceChildren(
      body,
      h('div', { class: 'detail-title' }, statusSlot),
      stage !== undefined && h('p', { class: 'stage' }, t('paddy.stage', { stage: stageLabel(stage, t) })),
      chart?.element,
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
      valuesSlot,
      camera?.element,
      alertsSlot,
      h(
        'ul',
        { class: 'inline-list detail-links' },
        kindPage &&
          h(
            'li',
            {},
            h('a', { href: pageHref(kindPage) }, t('detail.kindView', { kind: kindLabel(device.kind, t) })),
          ),
        metric !== undefined &&
          h('li', {}, h('a', { href: exportHref, download: `${id}.csv` }, t('detail.export'))),
        canAct(ctx.user) && h('li', {}, h('a', { href: pageHref('maintenance') }, t('detail.maintenance'))),
      ),
    )
    renderValues()
    renderAlerts()
    chart?.mount()
    void camera?.load()
  }

  function render(): void {
    const { t } = ui()
    // This page's own elements, put in once: another page (even another device's) may have left its DOM here.
    if (!root.contains(heading))
      replaceChildren(
        root,
        h('p', { class: 'back' }, backLink),
        h(
          'section',
          { id: 'detail', class: 'panel detail', 'aria-labelledby': 'detail-heading' },
          heading,
          body,
        ),
      )
    backLink.textContent = t('detail.back')
    switch (phase.name) {
      case 'loading':
        heading.textContent = t('detail.heading')
        replaceChildren(body, h('p', { class: 'muted', role: 'status' }, t('app.loading')))
        break
      case 'error': {
        heading.textContent = t('detail.heading')
        const retry = h('button', { type: 'button' }, t('app.retry'))
        retry.addEventListener('click', () => {
          phase = { name: 'loading' }
          render()
          void load()
        })
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
  }

  const renderValuesSoon = frameScheduler(renderValues)
  const unsubscribeDevices = ctx.devices.subscribe(renderValuesSoon)
  const unsubscribeAlerts = ctx.alerts.subscribe(() => renderAlerts())
  void load()

  return {
    render,
    applyFrame(frame) {
      if (frame.deviceId !== id) return
      latest = mergeLatest(latest, frameToLatest(frame))
      chart?.applyFrame(frame)
      renderValuesSoon()
    },
    resync() {
      if (phase.name !== 'ready') {
        void load()
        return
      }
      void chart?.resync()
      void camera?.load()
      api
        .device(id)
        .then((detail) => {
          if (stopped || phase.name !== 'ready') return
          latest = mergeLatest(latest, detail.latest)
          phase = { ...phase, detail }
          renderValues()
        })
        .catch(ctx.onError)
    },
    stop() {
      stopped = true
      unsubscribeDevices()
      unsubscribeAlerts()
      chart?.destroy()
      camera?.destroy()
    },
  }
}
