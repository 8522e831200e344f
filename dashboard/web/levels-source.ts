import type { Api } from './api.js'
import { type EffectiveRules, effectiveRules, settingsFor } from './effective-levels.js'
import type { Rule } from './types.js'
import type { RuleSpecView, StoredSettings } from './types-admin.js'

/** Rules and site/device settings, fetched once per page; absent when this server cannot say. */
export interface LevelSource {
  specs: RuleSpecView[]
  settings: StoredSettings[]
}

/**
 * Loads what the effective levels are worked out from. A server without the rules API (older, or
 * running without the alert engine: 404/501/503) leaves the page on the kind's default lines; a
 * 401 is passed on so the app can ask for a login.
 */
export async function loadLevelSource(
  api: Pick<Api, 'rules' | 'alertSettings'>,
): Promise<LevelSource | undefined> {
  try {
    const [rules, settings] = await Promise.all([api.rules(), api.alertSettings().catch(() => [])])
    return { specs: rules.flatMap((r) => (r.rule ? [r.rule] : [])), settings }
  } catch (error) {
    if ((error as { status?: number } | null)?.status === 401) throw error
    return undefined
  }
}

/** The levels of one device now: effective ones when the source is there, else the kind's defaults. */
export function levelsFor(
  source: LevelSource | undefined,
  device: { id: string; kind: string; site: string | null },
  fallback: readonly Rule[],
  now: number,
): EffectiveRules {
  if (source === undefined) return { rules: [...fallback] }
  return effectiveRules(source.specs, settingsFor(source.settings, device), device.kind, now)
}
