import uPlot from 'uplot'
import { currentTimeZone } from '../format.js'
import type { Severity } from '../types.js'
import type { ChartData } from './ranges.js'
import { yRange } from './series.js'
import type { ThresholdLine } from './threshold-lines.js'

/** Same hues as the status badges in styles.css, dark enough to stand out on white (≥ 3:1). */
const SEVERITY_COLOURS: Record<Severity, string> = {
  info: '#1a56a8',
  watch: '#8a6100',
  warning: '#b34700',
  critical: '#b00020',
}
const LINE = '#1a4f8b'
const BAND = 'rgba(26, 79, 139, 0.22)'
const MAINTENANCE = '#6b3fa0'

export interface RangeChartOptions {
  container: HTMLElement
  seriesLabel: string
  lines: readonly ThresholdLine[]
  /** Formats a value with its unit, for the axis and line labels. */
  format: (value: number) => string
  /** Tick label of a time for the visible span. */
  formatTime: (ms: number, spanMs: number) => string
  severityName: (severity: Severity) => string
  /** Called when the visible window changes by drag or buttons (undefined = whole range). */
  onZoom?: (view: [number, number] | undefined) => void
}

export interface RangeChart {
  /** New data for [from, to]; keeps the zoom only if it still lies inside. */
  setData(data: ChartData, from: number, to: number): void
  zoomIn(): void
  zoomOut(): void
  resetZoom(): void
  destroy(): void
}

type Columns = uPlot.AlignedData

function columns(data: ChartData): Columns {
  const x = data.points.map((p) => p.ts)
  if (data.type === 'buckets')
    return [x, data.points.map((p) => p.min), data.points.map((p) => p.max), data.points.map((p) => p.avg)]
  return [
    x,
    data.points.map((p) => p.value),
    data.points.map((p) => (p.quality === 'maintenance' ? p.value : null)),
  ]
}

function chartHeight(width: number): number {
  return width < 520 ? 220 : 300
}

/**
 * uPlot chart of one metric over a chosen range: raw samples as a line (maintenance samples marked
 * with their own points), or buckets as a min–max band around the average line, never fetched as
 * raw points. Alert levels are horizontal lines; drag selects a window to zoom into, and the page's
 * buttons do the same from the keyboard.
 */
export function createRangeChart(options: RangeChartOptions): RangeChart {
  const { container, lines, format, severityName } = options
  const levels = lines.map((l) => l.value)
  let range: [number, number] = [0, 1]
  let view: [number, number] | undefined
  let type: ChartData['type'] | undefined
  let plot: uPlot | undefined

  const drawLines = (u: uPlot): void => {
    const { ctx, bbox } = u
    const ratio = window.devicePixelRatio || 1
    ctx.save()
    ctx.font = `${12 * ratio}px system-ui, sans-serif`
    ctx.textAlign = 'right'
    for (const line of lines) {
      const y = Math.round(u.valToPos(line.value, 'y', true))
      if (y < bbox.top || y > bbox.top + bbox.height) continue
      const colour = SEVERITY_COLOURS[line.severity]
      ctx.strokeStyle = colour
      ctx.fillStyle = colour
      ctx.lineWidth = 2 * ratio
      ctx.setLineDash(line.role === 'clear' ? [6 * ratio, 4 * ratio] : [])
      ctx.beginPath()
      ctx.moveTo(bbox.left, y)
      ctx.lineTo(bbox.left + bbox.width, y)
      ctx.stroke()
      if (line.role === 'raise')
        ctx.fillText(
          `${severityName(line.severity)} ${format(line.value)}`,
          bbox.left + bbox.width - 4,
          y - 4 * ratio,
        )
    }
    ctx.restore()
  }

  const onSelect = (u: uPlot): void => {
    if (u.select.width < 4) return
    const min = u.posToVal(u.select.left, 'x')
    const max = u.posToVal(u.select.left + u.select.width, 'x')
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
    setView([min, max])
  }

  function build(data: ChartData): uPlot {
    const width = Math.max(container.clientWidth, 280)
    const series: uPlot.Series[] =
      data.type === 'buckets'
        ? [
            {},
            { label: 'min', stroke: BAND, width: 0, points: { show: false } },
            { label: 'max', stroke: BAND, width: 0, points: { show: false } },
            { label: options.seriesLabel, stroke: LINE, width: 2, points: { show: false } },
          ]
        : [
            {},
            { label: options.seriesLabel, stroke: LINE, width: 2, spanGaps: false, points: { show: false } },
            {
              label: 'maintenance',
              stroke: MAINTENANCE,
              width: 0,
              paths: () => null,
              points: { show: true, size: 9, stroke: MAINTENANCE, fill: '#ffffff', width: 2 },
            },
          ]
    const opts: uPlot.Options = {
      width,
      height: chartHeight(width),
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), currentTimeZone()),
      cursor: { drag: { x: true, y: false, setScale: false } },
      // The figure's summary and threshold list say what a legend would, in words that are read out.
      legend: { show: false },
      scales: {
        x: { time: true, range: () => view ?? range },
        y: { range: (_u, min, max) => yRange(min, max, levels) },
      },
      axes: [
        {
          stroke: '#333',
          grid: { stroke: '#e0e0e0' },
          values: (_u, splits) => {
            const [a, b] = view ?? range
            return splits.map((ms) => options.formatTime(ms, b - a))
          },
        },
        { stroke: '#333', grid: { stroke: '#e0e0e0' }, size: 64, values: (_u, splits) => splits.map(format) },
      ],
      series,
      ...(data.type === 'buckets' ? { bands: [{ series: [2, 1] as [number, number], fill: BAND }] } : {}),
      hooks: { draw: [drawLines], setSelect: [onSelect] },
    }
    return new uPlot(opts, columns(data), container)
  }

  let lastData: ChartData = { type: 'raw', points: [] }
  function redraw(): void {
    plot?.setData(columns(lastData))
  }

  function setView(next: [number, number] | undefined): void {
    if (next !== undefined) {
      const lo = Math.max(range[0], Math.min(next[0], next[1]))
      const hi = Math.min(range[1], Math.max(next[0], next[1]))
      // Zoomed out to the whole range, or a window too small to read: show the range.
      next = hi - lo < 60_000 || (lo <= range[0] && hi >= range[1]) ? undefined : [lo, hi]
    }
    view = next
    redraw()
    options.onZoom?.(view)
  }

  const resize = new ResizeObserver(() => {
    const w = Math.max(container.clientWidth, 280)
    if (plot !== undefined && w !== plot.width) plot.setSize({ width: w, height: chartHeight(w) })
  })
  resize.observe(container)

  const scaleView = (factor: number): void => {
    const [a, b] = view ?? range
    const mid = (a + b) / 2
    const half = ((b - a) * factor) / 2
    setView([mid - half, mid + half])
  }

  return {
    setData(data, from, to) {
      range = [from, to]
      if (view !== undefined && (view[0] < from || view[1] > to)) view = undefined
      lastData = data
      if (plot === undefined || type !== data.type) {
        plot?.destroy()
        type = data.type
        plot = build(data)
      } else redraw()
    },
    zoomIn: () => scaleView(0.5),
    zoomOut: () => scaleView(2),
    resetZoom: () => setView(undefined),
    destroy() {
      resize.disconnect()
      plot?.destroy()
      plot = undefined
    },
  }
}
