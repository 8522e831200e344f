import { describe, expect, it } from 'vitest'
import { InFlightBudget } from './in-flight-budget.js'

describe('InFlightBudget', () => {
  it('admits below the limit, queues above it, and resumes the waiting oldest first as messages settle', () => {
    const budget = new InFlightBudget(2)
    const resumed: string[] = []
    const a = () => resumed.push('a')
    const b = () => {
      resumed.push('b')
      budget.taken() // b's read takes a message at once
    }
    expect(budget.admit(a)).toBe(true)
    budget.taken()
    budget.taken()
    expect(budget.admit(a)).toBe(false)
    expect(budget.admit(b)).toBe(false)
    expect(budget.admit(a)).toBe(false) // asking again keeps its place, once
    expect(budget.state()).toEqual({ inFlight: 2, waiting: 2 })
    budget.settled() // room for one: a reads nothing, so b is resumed too and takes the room
    expect(resumed).toEqual(['a', 'b'])
    expect(budget.state()).toEqual({ inFlight: 2, waiting: 0 })
  })

  it('stops resuming once the room is taken again, and forgets a closed guard', () => {
    const budget = new InFlightBudget(1)
    const resumed: string[] = []
    const takes = (name: string) => () => {
      resumed.push(name)
      budget.taken()
    }
    const [a, b, c] = [takes('a'), takes('b'), takes('c')]
    budget.taken()
    for (const guard of [a, b, c]) budget.admit(guard)
    budget.forget(b)
    budget.settled()
    expect(resumed).toEqual(['a'])
    budget.settled()
    expect(resumed).toEqual(['a', 'c'])
  })
})
