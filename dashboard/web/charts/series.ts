/** The default refetch window after a reconnect when nothing is held yet. */
export const WINDOW_MS = 60 * 60 * 1000

/**
 * Y range that keeps threshold lines in view: staff read a level against the spillway crest, so
 * the line must be on screen even while the level is far below it.
 */
export function yRange(
  dataMin: number | null | undefined,
  dataMax: number | null | undefined,
  levels: readonly number[],
): [number, number] {
  const values = [dataMin, dataMax, ...levels].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v),
  )
  if (values.length === 0) return [0, 1]
  let lo = Math.min(...values)
  let hi = Math.max(...values)
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1
    return [lo - pad, hi + pad]
  }
  const pad = (hi - lo) * 0.08
  lo -= pad
  hi += pad
  return [lo, hi]
}
