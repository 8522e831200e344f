import type { Logger } from 'pino'
import type { IngestConfig } from './config.js'
import type { ImageStore } from './images.js'
import type { DeadLetterStore } from './store/meta-store.js'

/** Retention of dead letters and images, run at start and then every `intervalMs`. */
export function startHousekeeping(deps: {
  config: IngestConfig
  deadLetters: DeadLetterStore
  images: ImageStore
  log: Logger
  intervalMs?: number
  now?: () => number
}): { runOnce(): Promise<void>; stop(): void } {
  const now = deps.now ?? Date.now
  const log = deps.log.child({ component: 'housekeeping' })
  let running: Promise<void> | undefined
  const runOnce = async () => {
    try {
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
  const timer = setInterval(tick, deps.intervalMs ?? 3_600_000)
  timer.unref()
  return {
    runOnce,
    stop: () => clearInterval(timer),
  }
}
