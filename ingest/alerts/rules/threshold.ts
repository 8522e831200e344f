import type { ThresholdRule } from '../../store/meta-store.js'

export type Transition = 'raise' | 'clear' | null

/**
 * Threshold with hysteresis: raise when the value goes past `threshold`, clear only once it is
 * back past `clear`, so a value hovering at the line does not flap.
 * @example evaluateThreshold({ op: 'above', threshold: 50, clear: 48 }, false, 50.5) // 'raise'
 */
export function evaluateThreshold(
  rule: Pick<ThresholdRule, 'op' | 'threshold' | 'clear'>,
  open: boolean,
  value: number,
): Transition {
  if (rule.op === 'above') {
    if (!open && value > rule.threshold) return 'raise'
    if (open && value < rule.clear) return 'clear'
  } else {
    if (!open && value < rule.threshold) return 'raise'
    if (open && value > rule.clear) return 'clear'
  }
  return null
}
