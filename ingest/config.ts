import { z } from 'zod'

const DAY = 86_400_000

export const IngestConfigSchema = z.object({
  INGEST_BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(5000),
  INGEST_BATCH_MAX_AGE_MS: z.coerce.number().int().min(1).max(10_000).default(2),
  DEAD_LETTER_RETENTION_DAYS: z.coerce.number().positive().default(30),
  DEAD_LETTER_MAX_ROWS: z.coerce.number().int().min(100).default(100_000),
  IMAGE_RETENTION_DAYS: z.coerce.number().positive().default(365),
  IMAGE_MAX_TOTAL_MB: z.coerce.number().positive().default(10_000),
  RETENTION_RAW_DAYS: z.coerce.number().positive().default(400),
  RETENTION_ROLLUP_DAYS: z.coerce.number().positive().default(3650),
  STORE: z.enum(['duckdb', 'influx']).default('duckdb'),
  INFLUX_URL: z.url().optional(),
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_ORG: z.string().default('mimamori'),
  INFLUX_BUCKET: z.string().default('mimamori'),
  INFLUX_FLAVOR: z.enum(['victoria-metrics', 'influxdb']).default('victoria-metrics'),
  SPOOL_MAX_MB: z.coerce.number().positive().default(2048),
  DUCKDB_MEMORY_LIMIT_MB: z.coerce.number().int().min(64).default(1024),
  DUCKDB_THREADS: z.coerce.number().int().min(1).max(1024).optional(),
})

export interface IngestConfig {
  batchMaxRows: number
  batchMaxAgeMs: number
  deadLetterRetentionMs: number
  deadLetterMaxRows: number
  imageRetentionMs: number
  imageMaxBytes: number
  retention: { rawMs: number; rollupMs: number }
  /** DuckDB's memory limit; beyond it sorts and caches spill to disk (its default is 80 % of RAM). */
  duckdbMemoryMb: number
  /** DuckDB's worker threads; unset: the CPUs the process may run on (DuckDB's own default is every core). */
  duckdbThreads?: number
  /** Where readings go: the embedded DuckDB file, or an InfluxDB-compatible TSDB with a disk spool. */
  store:
    | { kind: 'duckdb' }
    | {
        kind: 'influx'
        url: string
        token?: string
        org: string
        bucket: string
        flavor: 'victoria-metrics' | 'influxdb'
        spoolMaxBytes: number
      }
}

function requireUrl(url: string | undefined): string {
  if (url) return url
  throw new z.ZodError([
    {
      code: 'custom',
      path: ['INFLUX_URL'],
      message: 'required when STORE=influx (e.g. http://127.0.0.1:8428)',
      input: url,
    },
  ])
}

export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const c = IngestConfigSchema.parse(env)
  return Object.freeze({
    batchMaxRows: c.INGEST_BATCH_MAX_ROWS,
    duckdbMemoryMb: c.DUCKDB_MEMORY_LIMIT_MB,
    ...(c.DUCKDB_THREADS ? { duckdbThreads: c.DUCKDB_THREADS } : {}),
    batchMaxAgeMs: c.INGEST_BATCH_MAX_AGE_MS,
    deadLetterRetentionMs: c.DEAD_LETTER_RETENTION_DAYS * DAY,
    deadLetterMaxRows: c.DEAD_LETTER_MAX_ROWS,
    imageRetentionMs: c.IMAGE_RETENTION_DAYS * DAY,
    imageMaxBytes: c.IMAGE_MAX_TOTAL_MB * 1024 * 1024,
    retention: Object.freeze({ rawMs: c.RETENTION_RAW_DAYS * DAY, rollupMs: c.RETENTION_ROLLUP_DAYS * DAY }),
    store: Object.freeze(
      c.STORE === 'duckdb'
        ? { kind: 'duckdb' as const }
        : {
            kind: 'influx' as const,
            url: requireUrl(c.INFLUX_URL),
            ...(c.INFLUX_TOKEN ? { token: c.INFLUX_TOKEN } : {}),
            org: c.INFLUX_ORG,
            bucket: c.INFLUX_BUCKET,
            flavor: c.INFLUX_FLAVOR,
            spoolMaxBytes: c.SPOOL_MAX_MB * 1024 * 1024,
          },
    ),
  })
}
