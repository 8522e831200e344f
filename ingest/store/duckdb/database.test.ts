import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
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
      limited.close()
      unlimited.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
