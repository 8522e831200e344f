import { type LevelSource, levelsFor, loadLevelSource } from '../levels-source.js'
import type { DeviceSummary, Rule } from '../types.js'
import type { PageContext } from './page.js'

export interface LevelsCache {
  rulesFor(device: DeviceSummary): Rule[]
  stageFor(device: DeviceSummary): string | undefined
  reload(): void
  stop(): void
}

/**
 * The effective alert levels for the devices of one kind page. Loaded once (and again after a
 * reconnect); without the rules API it falls back to the kind's default lines from one device's
 * detail answer, so the page still has its lines.
 */
export function createLevelsCache(ctx: PageContext, kind: string, onChange: () => void): LevelsCache {
  let source: LevelSource | undefined
  let fallback: Rule[] = []
  let stopped = false

  async function load(): Promise<void> {
    try {
      source = await loadLevelSource(ctx.api)
      if (source === undefined) {
        const first = ctx.devices.list().find((d) => d.kind === kind)
        if (first !== undefined) fallback = (await ctx.api.device(first.id)).rules
      }
    } catch (error) {
      ctx.onError(error)
    }
    if (!stopped) onChange()
  }
  void load()

  const levels = (device: DeviceSummary) => levelsFor(source, device, fallback, ctx.ui().now())
  return {
    rulesFor: (device) => levels(device).rules,
    stageFor: (device) => levels(device).stage,
    reload: () => void load(),
    stop() {
      stopped = true
    },
  }
}
