/**
 * Which outbox entries the centre has acknowledged. Live readings and the backlog are sent side
 * by side, so acks arrive out of order: `head` is the first entry not yet acknowledged (what
 * the outbox persists as its cursor), and the sorted disjoint ranges above it are what was
 * acknowledged beyond. Memory grows with the number of gaps, which in-flight limits bound.
 */
export class AckSet {
  #head: number
  /** Disjoint, sorted, non-adjacent half-open ranges [start, end), all starting above head. */
  readonly #ranges: Array<[number, number]> = []
  #above = 0

  constructor(head: number) {
    this.#head = head
  }

  get head(): number {
    return this.#head
  }

  /** How many entries at or beyond head are acknowledged. */
  get acknowledgedAboveHead(): number {
    return this.#above
  }

  get gaps(): number {
    return this.#ranges.length
  }

  has(index: number): boolean {
    if (index < this.#head) return true
    const i = this.#find(index)
    const range = this.#ranges[i]
    return range !== undefined && range[0] <= index && index < range[1]
  }

  /** The first index ≥ `index` that is not acknowledged. */
  nextUnacked(index: number): number {
    if (index < this.#head) return this.#head
    const range = this.#ranges[this.#find(index)]
    return range && range[0] <= index && index < range[1] ? range[1] : index
  }

  add(index: number): void {
    if (this.has(index)) return
    if (index === this.#head) {
      this.#head++
      const first = this.#ranges[0]
      if (first && first[0] === this.#head) {
        this.#head = first[1]
        this.#above -= first[1] - first[0]
        this.#ranges.shift()
      }
      return
    }
    this.#above++
    const i = this.#find(index)
    const prev = this.#ranges[i - 1]
    const next = this.#ranges[i]
    const joinsPrev = prev !== undefined && prev[1] === index
    const joinsNext = next !== undefined && next[0] === index + 1
    if (joinsPrev && joinsNext) {
      prev[1] = next[1]
      this.#ranges.splice(i, 1)
    } else if (joinsPrev) prev[1] = index + 1
    else if (joinsNext) next[0] = index
    else this.#ranges.splice(i, 0, [index, index + 1])
  }

  /** Index of the first range whose end is > index (binary search). */
  #find(index: number): number {
    let lo = 0
    let hi = this.#ranges.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.#ranges[mid] as [number, number])[1] <= index) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
