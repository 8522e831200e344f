/**
 * MQTT 3.1.1 topic filter matching (§4.7) for ACL checks: pure functions over strings.
 */

/** A syntactically valid topic filter: `#` only last and alone in its level, `+` alone in its level. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false
  const levels = filter.split('/')
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1
    if (level.includes('+')) return level === '+'
    return true
  })
}

/**
 * Does `filter` match the concrete `topic`? Wildcards at the first level do not match topics
 * starting with `$` (MQTT-4.7.2-1) unless `dollarRule` is off (ACL write checks, where `#` means
 * "anything"); `a/#` matches `a` too (§4.7.1.2).
 */
export function topicMatches(filter: string, topic: string, dollarRule = true): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (dollarRule && topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/** Is every topic that `filter` can match also matched by `pattern`? (for subscribe-time ACL checks) */
export function filterCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('/')
  const f = filter.split('/')
  if (filter.startsWith('$') && (p[0] === '+' || p[0] === '#')) return false
  for (let i = 0; i < p.length; i++) {
    const level = p[i]
    if (level === '#') return true
    if (i >= f.length) return false
    const other = f[i]
    if (other === '#') return false
    if (level === '+') continue
    if (other === '+' || other !== level) return false
  }
  return f.length === p.length
}

/** Could some topic match both? (a deny pattern that overlaps a filter is applied per message) */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/')
  const y = b.split('/')
  const n = Math.max(x.length, y.length)
  for (let i = 0; i < n; i++) {
    const l = x[i]
    const r = y[i]
    if (l === '#' || r === '#') return true
    if (l === undefined || r === undefined) return false
    if (l === '+' || r === '+') continue
    if (l !== r) return false
  }
  return true
}
