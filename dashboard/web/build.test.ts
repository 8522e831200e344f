import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildWeb, JS_GZIP_BUDGET_BYTES, PUBLIC_JS_GZIP_BUDGET_BYTES } from './build.js'

const outdir = mkdtempSync(join(tmpdir(), 'mimamori-web-'))
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

describe('web bundle', () => {
  it('keeps the first page load under 200 KB of gzipped JS, and the public page tiny', async () => {
    const result = await buildWeb({ outdir })
    expect(result.jsGzipBytes).toBeGreaterThan(0)
    expect(result.jsGzipBytes).toBeLessThanOrEqual(JS_GZIP_BUDGET_BYTES)
    expect(result.publicJsGzipBytes).toBeGreaterThan(0)
    expect(result.publicJsGzipBytes).toBeLessThanOrEqual(PUBLIC_JS_GZIP_BUDGET_BYTES)
    // The public page is a separate bundle without the dashboard's charts, map or socket client.
    const publicJs = readFileSync(join(outdir, 'public.js'), 'utf8')
    expect(publicJs).not.toMatch(/uPlot|leaflet|engine\.io/i)
    expect(readFileSync(join(outdir, 'public.html'), 'utf8')).toContain('public.js')
  }, 60_000)
})
