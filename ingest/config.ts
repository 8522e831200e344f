import { z } from 'zod'

const DAY = 86_400_000

export const IngestConfigSchema = z.object({
  INGEST_BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(5000),
  INGEST_BATCH_MAX_AGE_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  DEAD_LETTER_RETENTION_DAYS: z.coerce.number().positive().default(30),
  DEAD_LETTER_MAX_ROWS: z.coerce.number().int().min(100).default(100_000),
  IMAGE_RETENTION_DAYS: z.coerce.number().positive().default(365),
  IMAGE_MAX_TOTAL_MB: z.coerce.number().positive().default(10_000),
  RETENTION_RAW_DAYS: z.coerce.number().positive().default(400),
  RETENTION_ROLLUP_DAYS: z.coerce.number().positive().default(3650),
})

export interface IngestConfig {
  batchMaxRows: number
  batchMaxAgeMs: number
  deadLetterRetentionMs: number
  deadLetterMaxRows: number
  imageRetentionMs: number
  imageMaxBytes: number
  retention: { rawMs: number; rollupMs: number }
}

export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const c = IngestConfigSchema.parse(env)
  return Object.freeze({
    batchMaxRows: c.INGEST_BATCH_MAX_ROWS,
    batchMaxAgeMs: c.INGEST_BATCH_MAX_AGE_MS,
    deadLetterRetentionMs: c.DEAD_LETTER_RETENTION_DAYS * DAY,
    deadLetterMaxRows: c.DEAD_LETTER_MAX_ROWS,
    imageRetentionMs: c.IMAGE_RETENTION_DAYS * DAY,
    imageMaxBytes: c.IMAGE_MAX_TOTAL_MB * 1024 * 1024,
    retention: Object.freeze({ rawMs: c.RETENTION_RAW_DAYS * DAY, rollupMs: c.RETENTION_ROLLUP_DAYS * DAY }),
  })
}
