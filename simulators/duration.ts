const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const WHOLE = /^-?(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/**
 * A duration such as `90s`, `10m`, `36h`, `2d`, `1h30m` or `-5m` (signed, for clock skew) in ms;
 * undefined if unreadable. Scenario files and the scenario / load commands use it.
 * @example parseSpan('1h30m') // 5400000
 */
export function parseSpan(text: string): number | undefined {
  const trimmed = text.trim()
  if (!WHOLE.test(trimmed)) return undefined
  let total = 0
  for (const match of trimmed.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0)
  return Math.round(trimmed.startsWith('-') ? -total : total)
}

/**
 * A duration in words a newcomer reads at a glance: `36 h`, `1 h 30 min`, `2 d 4 h`, `450 ms`.
 * @example formatSpan(5_400_000) // '1 h 30 min'
 */
export function formatSpan(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(Math.round(ms))
  if (rest < 1000) return `${sign}${rest} ms`
  if (rest < 60_000) return `${sign}${Number((rest / 1000).toFixed(1))} s`
  const parts: string[] = []
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${n} ${unit}`)
  }
  return sign + parts.slice(0, 2).join(' ')
}
