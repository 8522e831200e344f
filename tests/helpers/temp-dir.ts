import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'

/** A fresh `mimamori-<prefix>-…` directory for the running test, removed when the test finishes. */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mimamori-${prefix}-`))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
