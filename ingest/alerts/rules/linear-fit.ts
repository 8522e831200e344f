export interface Point {
  ts: number
  value: number
}

/**
 * A point a rule state keeps and updates in place. Two heap snapshots a second apart at 2,000
 * devices showed a new number object per reading under a `{ ts, value }` literal's fields, though
 * the literal was updated in place (such literals share one hidden class across the process); with
 * this class there were none. `declare`, not parameter properties: those define the fields as
 * `undefined` first, and the snapshots showed the same boxes with them.
 */
export class StatePoint implements Point {
  declare ts: number
  declare value: number

  constructor(ts: number, value: number) {
    this.ts = ts
    this.value = value
  }
}

/**
 * Least-squares line through the points: slope per ms and the fitted value at the last point. A
 * fit over a window is steadier than first-vs-last, so one noisy reading does not fake a trend.
 * @example linearFit([{ ts: 0, value: 1 }, { ts: 3_600_000, value: 1.1 }])?.slopePerMs // 0.1 / 3_600_000
 */
export function linearFit(points: readonly Point[]): { slopePerMs: number; fittedLast: number } | undefined {
  const n = points.length
  if (n < 2) return undefined
  const t0 = (points[0] as Point).ts
  let sx = 0
  let sy = 0
  for (const p of points) {
    sx += p.ts - t0
    sy += p.value
  }
  const mx = sx / n
  const my = sy / n
  let sxx = 0
  let sxy = 0
  for (const p of points) {
    const dx = p.ts - t0 - mx
    sxx += dx * dx
    sxy += dx * (p.value - my)
  }
  if (sxx === 0) return undefined
  const slopePerMs = sxy / sxx
  const last = points[n - 1] as Point
  return { slopePerMs, fittedLast: my + slopePerMs * (last.ts - t0 - mx) }
}

/**
 * Moves the window on to `sample`, in place: older points drop off, and at most ~60 points are
 * kept per window (a reading closer than windowMs/60 to the one before replaces it, by updating
 * the last point), so a chatty device costs no more to fit than a 1-minute one. The newest reading
 * is always the last point. In place because it runs per rule for every reading: a copied window
 * per reading lived until the device's next one, long enough at 10,000 devices to be promoted out
 * of V8's young generation. The window belongs to one rule state; returns it.
 */
export function slideWindow(points: Point[], sample: Point, windowMs: number): Point[] {
  let start = 0
  while (start < points.length && (points[start] as Point).ts < sample.ts - windowMs) start++
  if (start > 0) points.splice(0, start)
  const last = points.at(-1)
  const beforeLast = points.at(-2)
  if (last && beforeLast && sample.ts - beforeLast.ts < windowMs / 60) {
    last.ts = sample.ts
    last.value = sample.value
  } else points.push(new StatePoint(sample.ts, sample.value))
  return points
}
