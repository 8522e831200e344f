import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDuckDb } from './database.js'

describe('openDuckDb', () => {
  it("applies the configured memory limit instead of DuckDB's 80 % of RAM", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-db-'))
    const limited = await openDuckDb(join(dir, 'a.duckdb'), { memoryLimitMb: 256 })
    const unlimited = await openDuckDb(join(dir, 'b.duckdb'))
    try {
      const [a] = await limited.all<{ v: string }>("SELECT current_setting('memory_limit') AS v")
      const [b] = await unlimited.all<{ v: string }>("SELECT current_setting('memory_limit') AS v")
      expect(a?.v).toMatch(/^2\d\d(\.\d+)? MiB$/) // 256 MB as DuckDB prints it
      expect(b?.v).not.toBe(a?.v)
    } finally {
      await limited.close()
      await unlimited.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs as many threads as the process has CPUs, or as configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-db-'))
    const configured = await openDuckDb(join(dir, 'a.duckdb'), { threads: 3 })
    const fitted = await openDuckDb(join(dir, 'b.duckdb'))
    try {
      const [a] = await configured.all<{ v: bigint }>("SELECT current_setting('threads') AS v")
      const [b] = await fitted.all<{ v: bigint }>("SELECT current_setting('threads') AS v")
      expect(Number(a?.v)).toBe(3)
      expect(Number(b?.v)).toBe(availableParallelism())
    } finally {
      await configured.close()
      await fitted.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('interrupts a running query on close and waits for it, so no native thread is left blocked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-db-'))
    try {
      // more closes under a running query than libuv has threads (4): before, each left a thread
      // blocked for good and the fifth open hung
      for (let round = 0; round < 6; round++) {
        const db = await openDuckDb(join(dir, 'busy.duckdb'))
        await db.run('CREATE TABLE IF NOT EXISTS t (x BIGINT)')
        const running = db.run('INSERT INTO t SELECT range FROM range(50000000)').then(
          () => 'finished',
          (err: Error) => err.message,
        )
        await new Promise((resolve) => setTimeout(resolve, 5))
        await db.close()
        expect(await running).toMatch(/interrupt/i)
        await expect(db.all('SELECT 1')).rejects.toThrow(/closed/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
