import type { Logger } from 'pino'
import type { IngestConfig } from './config.js'
import type { ImageStore } from './images.js'
import type { DeadLetterStore } from './store/meta-store.js'

/**
 * Rollups of readings, then retention of readings, dead letters and images: run at start and
 * then every `intervalMs` (10 minutes, one rollup bucket).
 */
export function startHousekeeping(deps: {
  config: IngestConfig
  deadLetters: DeadLetterStore
  images: ImageStore
  rollups?: { run(now: number): Promise<{ buckets: number; deletedRaw: number; deletedRollups: number }> }
  log: Logger
  intervalMs?: number
  now?: () => number
}): { runOnce(): Promise<void>; stop(): Promise<void> } {
  const now = deps.now ?? Date.now
  const log = deps.log.child({ component: 'housekeeping' })
  let running: Promise<void> | undefined
  const runOnce = async () => {
    try {
      if (deps.rollups) {
        const rolled = await deps.rollups.run(now())
        if (rolled.deletedRaw || rolled.deletedRollups)
          log.info(rolled, 'readings rolled up and retention applied')
      }
      const letters = await deps.deadLetters.pruneDeadLetters(
        now() - deps.config.deadLetterRetentionMs,
        deps.config.deadLetterMaxRows,
      )
      const images = await deps.images.prune(now() - deps.config.imageRetentionMs, deps.config.imageMaxBytes)
      if (letters || images) log.info({ deadLetters: letters, images }, 'retention pruned old data')
    } catch (err) {
      log.error({ err }, 'housekeeping failed; will retry')
    }
  }
  const tick = () => {
    running ??= runOnce().finally(() => {
      running = undefined
    })
  }
  tick()
  const timer = setInterval(tick, deps.intervalMs ?? 600_000)
  timer.unref()
  return {
    runOnce,
    /** Stops the timer and waits for a run in progress, so the store can close under it. */
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
