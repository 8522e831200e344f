import type { Logger } from 'pino'
import type { Refusal } from '../broker/ingest-port.js'
import type { DeadLetterStore, NewDeadLetter } from './store/meta-store.js'

/** Raw payloads are kept up to this many bytes: enough to debug firmware, bounded for storage. */
export const DEAD_LETTER_PAYLOAD_BYTES = 4096

export interface DeadLetterSink {
  record(refusal: Refusal): Promise<void>
}

export function createDeadLetterSink(
  store: DeadLetterStore,
  log: Logger,
  now: () => number = Date.now,
): DeadLetterSink {
  return {
    async record(refusal) {
      const letter: NewDeadLetter = {
        receivedAt: now(),
        deviceId: refusal.deviceId,
        topic: refusal.topic,
        reason: refusal.reason,
        detail: refusal.detail.slice(0, 1000),
        payload: refusal.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES),
      }
      try {
        await store.addDeadLetters([letter])
      } catch (err) {
        // A refused message is not an accepted reading: losing its copy is logged, not fatal.
        log.error({ err, deviceId: refusal.deviceId, reason: refusal.reason }, 'dead letter not stored')
      }
    },
  }
}
