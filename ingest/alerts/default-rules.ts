import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { DEVICE_KINDS } from '../../firmware-contracts/index.js'
import type { AlertConfigStore } from '../store/meta-store.js'
import { type RuleSpec, RuleSpecSchema } from './rule-spec.js'

/** The first cut's rule shape (a threshold rule without `type`); still accepted in rules files. */
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
export function readRulesFile(path: string | URL): RuleSpec[] {
  const rules = z.array(RuleSpecSchema).parse(JSON.parse(readFileSync(path, 'utf8')))
  const ids = new Set<string>()
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new Error(`rule ${rule.id} is listed twice in ${String(path)}`)
    ids.add(rule.id)
  }
  return rules
}

export const DEFAULT_RULES_FILE = new URL('./default-rules.json', import.meta.url)

/**
 * The shipped default rules go into the database, where operators change them. Each default is
 * seeded once: a default added by an upgrade arrives in an existing database, but one an operator
 * deleted (or edited) is left as they made it. First-cut rows (seeded before rule specs existed,
 * never edited) are replaced by the current defaults of the same id.
 */
export async function seedDefaultRules(
  store: AlertConfigStore,
  path: string | URL = DEFAULT_RULES_FILE,
  now: () => number = Date.now,
): Promise<number> {
  const rules = readRulesFile(path)
  const seen = await store.seenDefaultRules()
  // rows of the first cut (no spec, never edited: they have no update time) take the new defaults
  const existing = new Set((await store.listRuleSpecs()).filter((r) => r.updatedAt !== null).map((r) => r.id))
  let seeded = 0
  for (const rule of rules) {
    if (seen.has(rule.id) || existing.has(rule.id)) continue
    await store.upsertRuleSpec(rule.id, rule, 'defaults', now())
    seeded++
  }
  await store.markDefaultRulesSeen(rules.map((r) => r.id))
  return seeded
}
