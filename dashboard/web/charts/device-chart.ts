import uPlot from 'uplot'
import { formatClock, TIME_ZONE } from '../format.js'
import type { Severity } from '../types.js'
import { type Series, toColumns, WINDOW_MS, yRange } from './series.js'
import type { ThresholdLine } from './threshold-lines.js'

/** Same hues as the status badges in styles.css, dark enough to stand out on white (≥ 3:1). */
const SEVERITY_COLOURS: Record<Severity, string> = {
  info: '#1a56a8',
  watch: '#8a6100',
  warning: '#b34700',
  critical: '#b00020',
}

export interface DeviceChartOptions {
  container: HTMLElement
  seriesLabel: string
  lines: readonly ThresholdLine[]
  /** Formats a value with its unit, for the axis, legend and line labels. */
  format: (value: number) => string
  /** Short name of a severity, drawn beside its line (dashes mark the clear level). */
  severityName: (severity: Severity) => string
  now?: () => number
}

export interface DeviceChart {
  setSeries(series: Series): void
  destroy(): void
}

function chartHeight(width: number): number {
  return width < 520 ? 220 : 300
}

/** uPlot chart of one metric over the last hour, with the alert levels as horizontal lines. */
export function createDeviceChart(options: DeviceChartOptions): DeviceChart {
  const { container, lines, format, severityName } = options
  const now = options.now ?? Date.now
  const levels = lines.map((l) => l.value)

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
      if (line.role === 'raise') {
        ctx.fillText(
          `${severityName(line.severity)} ${format(line.value)}`,
          bbox.left + bbox.width - 4,
          y - 4 * ratio,
        )
      }
    }
    ctx.restore()
  }

  const width = Math.max(container.clientWidth, 280)
  const opts: uPlot.Options = {
    width,
    height: chartHeight(width),
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), TIME_ZONE),
    cursor: { drag: { x: false, y: false } },
    // The figure's text summary and threshold list say what a legend would, in words that are read out.
    legend: { show: false },
    scales: {
      x: { time: true, range: () => [now() - WINDOW_MS, now()] },
      y: { range: (_u, min, max) => yRange(min, max, levels) },
    },
    axes: [
      {
        stroke: '#333',
        grid: { stroke: '#e0e0e0' },
        values: (_u, splits) => splits.map((ms) => formatClock(ms)),
      },
      {
        stroke: '#333',
        grid: { stroke: '#e0e0e0' },
        size: 64,
        values: (_u, splits) => splits.map((v) => format(v)),
      },
    ],
    series: [
      {},
      {
        label: options.seriesLabel,
        stroke: '#1a4f8b',
        width: 2,
        spanGaps: false,
        points: { show: false },
      },
    ],
    hooks: { draw: [drawLines] },
  }
  const plot = new uPlot(opts, [[], []], container)

  // Follows the container so the chart fits a 360 px phone and reflows when a tablet rotates.
  const resize = new ResizeObserver(() => {
    const w = Math.max(container.clientWidth, 280)
    if (w !== plot.width) plot.setSize({ width: w, height: chartHeight(w) })
  })
  resize.observe(container)

  return {
    setSeries(series) {
      plot.setData(toColumns(series))
    },
    destroy() {
      resize.disconnect()
      plot.destroy()
    },
  }
}
