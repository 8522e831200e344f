import { z } from 'zod'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * `90s`, `10m`, `1h30m`, `2d` → ms; undefined when it is not a duration.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().match(/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/)
  if (!parts) return undefined
  let total = 0
  for (const [, n, unit] of text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
    total += Number(n) * (UNIT_MS[unit as string] as number)
  return total
}

/** A duration in a rules or settings file: milliseconds, or a string such as `30m`. */
export const DurationSchema = z.union([
  z.number().nonnegative(),
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: use e.g. 90s, 10m, 1h30m or 2d` })
      return z.NEVER
    }
    return ms
  }),
])

/** `5400000` → `1h30m`, for messages and docs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let rest = Math.round(ms / 1000)
  const out: string[] = []
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) out.push(`${n}${unit}`)
    rest -= n * size
  }
  return out.join('') || '0s'
}
