import pino, { type Logger } from 'pino'

/** Structured JSON logs on stdout (one object per line); the only logger the process builds. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'mimamori' }, timestamp: pino.stdTimeFunctions.isoTime })
}
