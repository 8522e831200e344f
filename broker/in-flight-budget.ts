/**
 * One bound on the messages the direct path has taken from all sockets and not yet settled. A
 * frame guard stops reading its own socket while its last read's messages are pending, but a
 * flood from 1000 connections still put ~30,000 messages in flight at once (one 4 KB read each):
 * every one of them outlived several scavenges of the young generation, and V8's GC took ~40 % of
 * the server's time (bench/RESULTS.md, overload). Past the limit a guard waits before its next
 * read and is resumed, oldest first, as messages settle; a read may overshoot the limit by what
 * it holds, so the bound is soft by one read per guard.
 */
export class InFlightBudget {
  private inFlight = 0
  /** Guards waiting for room, by their resume callback; a Set keeps arrival order. */
  private readonly waiting = new Set<() => void>()

  constructor(readonly limit: number) {}

  /** True when a guard may read now; otherwise `resume` is called once there is room. */
  admit(resume: () => void): boolean {
    if (this.inFlight < this.limit) return true
    this.waiting.add(resume)
    return false
  }

  taken(): void {
    this.inFlight++
  }

  settled(): void {
    this.inFlight--
    for (const resume of this.waiting) {
      if (this.inFlight >= this.limit) return
      this.waiting.delete(resume)
      resume()
    }
  }

  /** A closed guard's place in the queue. */
  forget(resume: () => void): void {
    this.waiting.delete(resume)
  }

  /** Messages in flight and guards waiting, for tests and metrics. */
  state(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.waiting.size }
  }
}
