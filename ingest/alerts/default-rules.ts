import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { DEVICE_KINDS } from '../../firmware-contracts/index.js'
import type { AlertStore, ThresholdRule } from '../store/meta-store.js'

export const ThresholdRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    kind: z.enum(DEVICE_KINDS),
    metric: z.string().min(1),
    op: z.enum(['above', 'below']),
    threshold: z.number(),
    clear: z.number(),
    severity: z.enum(['info', 'watch', 'warning', 'critical']),
    label: z.string().min(1),
    labelJa: z.string().min(1),
    enabled: z.boolean(),
  })
  .refine((r) => (r.op === 'above' ? r.clear <= r.threshold : r.clear >= r.threshold), {
    message: 'the clear level must lie on the safe side of the threshold (hysteresis)',
    path: ['clear'],
  })

/** Reads and validates a rules file (the shipped defaults, or an operator's own). */
export function readRulesFile(path: string | URL): ThresholdRule[] {
  return z.array(ThresholdRuleSchema).parse(JSON.parse(readFileSync(path, 'utf8')))
}

export const DEFAULT_RULES_FILE = new URL('./default-rules.json', import.meta.url)

/** First start: the shipped default rules go into the database, where operators change them. */
export async function seedDefaultRules(
  store: AlertStore,
  path: string | URL = DEFAULT_RULES_FILE,
): Promise<number> {
  if ((await store.listRules()).length > 0) return 0
  const rules = readRulesFile(path)
  for (const rule of rules) await store.upsertRule(rule)
  return rules.length
}
