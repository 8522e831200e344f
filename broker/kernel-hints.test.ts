import { describe, expect, it } from 'vitest'
import { kernelHints } from './kernel-hints.js'

const settings = (values: Record<string, string>) => (name: string) => values[name]

describe('kernel hints', () => {
  it('says nothing when the settings are large enough, or cannot be read', () => {
    expect(
      kernelHints(settings({ 'net.core.somaxconn': '4096', 'net.ipv4.tcp_rmem': '4096 2097152 33554432' })),
    ).toEqual([])
    expect(kernelHints(settings({}))).toEqual([])
  })

  it('names each setting that limits the broker, its value and what to set', () => {
    const hints = kernelHints(
      settings({ 'net.core.somaxconn': '128', 'net.ipv4.tcp_rmem': '4096\t131072\t33554432' }),
    )
    expect(hints.map((h) => [h.setting, h.value])).toEqual([
      ['net.core.somaxconn', '128'],
      ['net.ipv4.tcp_rmem', '4096 131072 33554432'],
    ])
    expect(hints[0]?.hint).toMatch(/net\.core\.somaxconn = 4096/)
    expect(hints[1]?.hint).toMatch(/net\.ipv4\.tcp_rmem = 4096 2097152 33554432/)
  })

  it('leaves tcp_rmem alone when the broker sets a receive buffer of its own', () => {
    const small = settings({ 'net.core.somaxconn': '4096', 'net.ipv4.tcp_rmem': '4096 131072 33554432' })
    expect(kernelHints(small, 262144)).toEqual([])
    expect(kernelHints(small, 0).map((h) => h.setting)).toEqual(['net.ipv4.tcp_rmem'])
  })

  it('reads this machine without throwing', () => {
    for (const hint of kernelHints()) expect(hint.value).not.toBe('')
  })
})
