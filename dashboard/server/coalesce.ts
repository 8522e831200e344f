/** A live frame: the newest values of one device since the last frame. */
export interface ReadingFrame {
  deviceId: string
  ts: number
  seq: number
  m: Record<string, number>
}

export interface Coalescer {
  push(frame: ReadingFrame): void
  stop(): void
}

/**
 * When a device's last frame went out, updated in place. A time stored as a Map value is a new
 * heap number on every set (times are not small integers), and one per frame, held by a Map in the
 * old generation, is work for every scavenge; a number field of an object is rewritten in place.
 */
class SentAt {
  declare at: number
  constructor(at: number) {
    this.at = at
  }
}

/**
 * Keeps only the newest values per device and flushes at most once per `intervalMs`: a frame goes
 * out at once when the device was idle, later ones are merged until the interval has passed. A
 * storm of readings therefore costs a phone a few frames per second, not one per reading
 * (DESIGN.md, "Live frames and latency"); clients refetch gaps from the REST range API.
 */
export function createCoalescer(
  intervalMs: number,
  emit: (frame: ReadingFrame) => void,
  now: () => number = Date.now,
): Coalescer {
  const pending = new Map<string, ReadingFrame>()
  const lastSent = new Map<string, SentAt>()
  const timers = new Map<string, NodeJS.Timeout>()

  const send = (frame: ReadingFrame) => {
    const sent = lastSent.get(frame.deviceId)
    if (sent) sent.at = now()
    else lastSent.set(frame.deviceId, new SentAt(now()))
    emit(frame)
  }
  const flush = (deviceId: string) => {
    timers.delete(deviceId)
    const frame = pending.get(deviceId)
    if (!frame) return
    pending.delete(deviceId)
    send(frame)
  }

  return {
    push(frame) {
      const previous = pending.get(frame.deviceId)
      if (previous) {
        // a frame waits for its timer: merge into it (newer values win, older metrics not in this
        // reading stay); the merged frame goes out when the timer fires
        if (frame.ts >= previous.ts)
          pending.set(frame.deviceId, { ...frame, m: { ...previous.m, ...frame.m } })
        else pending.set(frame.deviceId, { ...previous, m: { ...frame.m, ...previous.m } })
        return
      }
      const wait = (lastSent.get(frame.deviceId)?.at ?? Number.NEGATIVE_INFINITY) + intervalMs - now()
      // the common case, a device idle for the interval: out at once, without entering `pending`
      // (a set and a delete per frame on a long-lived Map make V8 allocate its tables in the old
      // generation: mark-compacts every ~20 s at 10k frames/s, docs/benchmarks.md)
      if (wait <= 0) return send(frame)
      pending.set(frame.deviceId, frame)
      timers.set(frame.deviceId, setTimeout(flush, wait, frame.deviceId))
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      pending.clear()
    },
  }
}
