import type { ErrorRequestHandler } from 'express'
import type { Logger } from 'pino'
import { z } from 'zod'

/** The one error type routes throw; the middleware below turns it into `{ error, details? }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

/** Parses input at the edge or throws a 400 that names the bad fields. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw new HttpError(400, `invalid ${what}: ${z.prettifyError(result.error)}`)
  return result.data
}

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    // domain errors a caller can fix (bad id, unknown gateway, …) are a 400 with their message
    if (err?.code === 'PROVISIONING') {
      res.status(400).json({ error: err.message })
      return
    }
    if (err instanceof HttpError) {
      res
        .status(err.status)
        .json(
          err.details === undefined ? { error: err.message } : { error: err.message, details: err.details },
        )
      return
    }
    // express.json() reports malformed bodies with a status of 400 and type 'entity.parse.failed'
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500
    if (status === 500) log.error({ err, path: req.path }, 'request failed')
    res
      .status(status)
      .json({ error: status === 500 ? 'internal error' : String(err.message ?? 'bad request') })
  }
}
