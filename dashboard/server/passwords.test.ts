import { describe, expect, it } from 'vitest'
import { generatePassword, hashPassword, verifyPassword } from './passwords.js'

describe('human passwords', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery')
    const b = await hashPassword('correct horse battery')
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterY', a)).toBe(false)
    expect(await verifyPassword('x', 'garbage')).toBe(false)
  })
  it('generates long random passwords', () => {
    expect(generatePassword()).toHaveLength(20)
    expect(generatePassword()).not.toBe(generatePassword())
  })
})
