import { copyFile, mkdir, readFile, rm } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))

/** First page load budget: a farmer on a rural 3G link should have the dashboard in a few seconds. */
export const JS_GZIP_BUDGET_BYTES = 200 * 1024

export interface BuildWebOptions {
  outdir?: string
  minify?: boolean
}

export interface OutputSize {
  file: string
  bytes: number
  gzipBytes: number
}

export interface BuildWebResult {
  outdir: string
  outputs: OutputSize[]
  jsGzipBytes: number
}

/**
 * Bundles the browser app (main.ts with its CSS, uPlot's included) into `outdir` beside a copy of
 * index.html, and measures what a first visit downloads.
 */
export async function buildWeb(options: BuildWebOptions = {}): Promise<BuildWebResult> {
  const outdir = resolve(options.outdir ?? join(HERE, 'dist'))
  const minify = options.minify ?? true
  // A clean dir, so a renamed chunk from an older build is never served by mistake.
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  const result = await build({
    entryPoints: { main: join(HERE, 'main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify,
    sourcemap: true,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  })
  await copyFile(join(HERE, 'index.html'), join(outdir, 'index.html'))

  const outputs: OutputSize[] = []
  for (const file of Object.keys(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue
    const data = await readFile(resolve(file))
    outputs.push({ file: basename(file), bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length })
  }
  const jsGzipBytes = outputs.filter((o) => o.file.endsWith('.js')).reduce((sum, o) => sum + o.gzipBytes, 0)
  return { outdir, outputs, jsGzipBytes }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`
}

async function runAsScript(): Promise<void> {
  const { outdir, outputs, jsGzipBytes } = await buildWeb()
  const lines = [`dashboard/web → ${relative(process.cwd(), outdir) || '.'}`]
  for (const o of outputs)
    lines.push(`  ${o.file.padEnd(16)} ${kb(o.bytes).padStart(10)}  gzip ${kb(o.gzipBytes).padStart(9)}`)
  lines.push(`  JS gzip total ${kb(jsGzipBytes)} (budget ${kb(JS_GZIP_BUDGET_BYTES)})`)
  process.stdout.write(`${lines.join('\n')}\n`)
  if (jsGzipBytes > JS_GZIP_BUDGET_BYTES) {
    process.stderr.write(
      `dashboard/web: JS is over the first-load budget by ${kb(jsGzipBytes - JS_GZIP_BUDGET_BYTES)}\n`,
    )
    process.exitCode = 1
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runAsScript().catch((error: unknown) => {
    process.stderr.write(
      `dashboard/web build failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exitCode = 1
  })
}
