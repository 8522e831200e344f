import { copyFile, mkdir, readFile, rm } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))

/** First page load budget: a farmer on a rural 3G link should have the dashboard in a few seconds. */
export const JS_GZIP_BUDGET_BYTES = 200 * 1024
/** The residents' reservoir page is opened by many phones at once in a storm: keep it tiny. */
export const PUBLIC_JS_GZIP_BUDGET_BYTES = 20 * 1024

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
  /** JS of the dashboard's first load (main.js). */
  jsGzipBytes: number
  /** JS of the public reservoir page (public.js). */
  publicJsGzipBytes: number
}

/**
 * Bundles the browser app (main.ts with its CSS, uPlot's and Leaflet's included) and the public
 * reservoir page (public.ts, a separate small bundle: no login, no charts, no map) into `outdir`
 * beside copies of index.html and public.html, and measures what a first visit downloads.
 */
export async function buildWeb(options: BuildWebOptions = {}): Promise<BuildWebResult> {
  const outdir = resolve(options.outdir ?? join(HERE, 'dist'))
  const minify = options.minify ?? true
  // A clean dir, so a renamed chunk from an older build is never served by mistake.
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  const result = await build({
    entryPoints: { main: join(HERE, 'main.ts'), public: join(HERE, 'public', 'public.ts') },
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
    // Leaflet's CSS names its control images; the map uses none of them but they must resolve.
    loader: { '.png': 'file' },
    assetNames: 'assets/[name]-[hash]',
  })
  await copyFile(join(HERE, 'index.html'), join(outdir, 'index.html'))
  await copyFile(join(HERE, 'public', 'public.html'), join(outdir, 'public.html'))

  const outputs: OutputSize[] = []
  for (const file of Object.keys(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue
    const data = await readFile(resolve(file))
    outputs.push({ file: basename(file), bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length })
  }
  const gzipOf = (name: string) => outputs.find((o) => o.file === name)?.gzipBytes ?? 0
  return { outdir, outputs, jsGzipBytes: gzipOf('main.js'), publicJsGzipBytes: gzipOf('public.js') }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`
}

async function runAsScript(): Promise<void> {
  const { outdir, outputs, jsGzipBytes, publicJsGzipBytes } = await buildWeb()
  const lines = [`dashboard/web → ${relative(process.cwd(), outdir) || '.'}`]
  for (const o of outputs.filter((o) => !o.file.endsWith('.png')))
    lines.push(`  ${o.file.padEnd(16)} ${kb(o.bytes).padStart(10)}  gzip ${kb(o.gzipBytes).padStart(9)}`)
  lines.push(`  dashboard first load JS gzip ${kb(jsGzipBytes)} (budget ${kb(JS_GZIP_BUDGET_BYTES)})`)
  lines.push(`  public page JS gzip ${kb(publicJsGzipBytes)} (budget ${kb(PUBLIC_JS_GZIP_BUDGET_BYTES)})`)
  process.stdout.write(`${lines.join('\n')}\n`)
  if (jsGzipBytes > JS_GZIP_BUDGET_BYTES || publicJsGzipBytes > PUBLIC_JS_GZIP_BUDGET_BYTES) {
    process.stderr.write('dashboard/web: JS is over its first-load budget\n')
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
