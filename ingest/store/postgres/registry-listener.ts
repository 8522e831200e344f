import pg from 'pg'
import type { Logger } from 'pino'
import type { RegistryChange } from '../../device-directory.js'
import { REGISTRY_CHANNEL } from './schema.js'

export type RegistryNotice = RegistryChange | { table: 'acl' }

export interface RegistryListener {
  close(): Promise<void>
}

const RETRY_MIN_MS = 200
const RETRY_MAX_MS = 10_000

function parseNotice(payload: string | undefined): RegistryNotice | undefined {
  try {
    const value = JSON.parse(payload ?? '') as { table?: unknown; id?: unknown }
    if (value.table === 'acl') return { table: 'acl' }
    if ((value.table === 'devices' || value.table === 'gateways') && typeof value.id === 'string')
      return { table: value.table, id: value.id }
  } catch {}
  return undefined
}

/**
 * LISTENs on the registry channel over a connection of its own. Notifications sent while it was
 * disconnected are lost, so after every reconnect `onResync` runs (re-read everything).
 * Handlers run one at a time, in order, and their errors are logged, never thrown.
 */
export async function listenForRegistryChanges(
  url: string,
  handlers: { onChange(notice: RegistryNotice): Promise<void>; onResync(): Promise<void> },
  log: Logger,
): Promise<RegistryListener> {
  let closed = false
  let client: pg.Client | undefined
  let retryMs = RETRY_MIN_MS
  let timer: NodeJS.Timeout | undefined
  let chain: Promise<void> = Promise.resolve()
  const run = (what: string, fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => log.error({ err }, `registry ${what} failed`))
  }

  const connect = async (first: boolean) => {
    const next = new pg.Client({ connectionString: url })
    next.on('notification', (message) => {
      if (message.channel !== REGISTRY_CHANNEL) return
      const notice = parseNotice(message.payload)
      if (notice) run('change', () => handlers.onChange(notice))
      else log.warn({ payload: message.payload }, 'unrecognized registry notification')
    })
    const lost = (err?: Error) => {
      if (client !== next) return
      client = undefined
      next.end().catch(() => {})
      if (closed) return
      log.warn({ err: err?.message, retryMs }, 'registry notifications lost; reconnecting')
      schedule()
    }
    next.on('error', lost)
    next.on('end', () => lost())
    await next.connect()
    await next.query(`LISTEN ${REGISTRY_CHANNEL}`)
    client = next
    retryMs = RETRY_MIN_MS
    if (!first) {
      log.info('registry notifications back; re-reading the registry')
      run('resync', handlers.onResync)
    }
  }
  const schedule = () => {
    timer = setTimeout(() => {
      timer = undefined
      connect(false).catch((err: unknown) => {
        if (closed) return
        log.warn({ err: (err as Error).message, retryMs }, 'registry notifications: reconnect failed')
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
        schedule()
      })
    }, retryMs)
    timer.unref()
  }

  await connect(true)
  return {
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
      await chain
    },
  }
}
