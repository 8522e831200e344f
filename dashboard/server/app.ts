import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import express, { type Express } from 'express'
import type { Logger } from 'pino'
import { alertRoutes } from './api/alert-routes.js'
import { contactRoutes } from './api/contact-routes.js'
import { credentialRoutes } from './api/credential-routes.js'
import { deviceRoutes } from './api/device-routes.js'
import { exportRoutes } from './api/export-routes.js'
import { gatewayRoutes } from './api/gateway-routes.js'
import { imageRoutes } from './api/image-routes.js'
import { maintenanceRoutes } from './api/maintenance-routes.js'
import { publicRoutes } from './api/public-routes.js'
import { reportRoutes } from './api/report-routes.js'
import { ruleRoutes } from './api/rule-routes.js'
import { sessionRoutes } from './api/session-routes.js'
import { userRoutes } from './api/user-routes.js'
import type { DashboardDeps } from './deps.js'
import { errorMiddleware, HttpError } from './http-error.js'
import { openApiDocument } from './openapi.js'

const API_VERSION = '1.0.0'

export const WEB_DIST = fileURLToPath(new URL('../web/dist/', import.meta.url))

export function createApp(deps: DashboardDeps, options: { log: Logger; secureCookie: boolean }): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', 'loopback')
  app.use((_req, res, next) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
    })
    next()
  })

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get('/readyz', (_req, res) => {
    const state = deps.ready()
    res
      .status(state.ready ? 200 : 503)
      .json({ status: state.ready ? 'ready' : 'not ready', reasons: state.reasons })
  })
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metricsRegistry.contentType).send(await deps.metricsRegistry.metrics())
  })

  const api = express.Router()
  api.use(express.json({ limit: '64kb' }))
  const openapi = openApiDocument(API_VERSION)
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi)
  })
  api.use(sessionRoutes(deps, { secureCookie: options.secureCookie }))
  api.use(deviceRoutes(deps))
  api.use(credentialRoutes(deps))
  api.use(alertRoutes(deps))
  api.use(ruleRoutes(deps))
  api.use(contactRoutes(deps))
  api.use(maintenanceRoutes(deps))
  api.use(imageRoutes(deps))
  api.use(exportRoutes(deps))
  api.use(gatewayRoutes(deps))
  api.use(userRoutes(deps))
  api.use(publicRoutes(deps))
  api.use(reportRoutes(deps))
  api.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} /api/v1${req.path}`)))
  app.use('/api/v1', api)

  if (existsSync(WEB_DIST)) {
    app.use(express.static(WEB_DIST, { index: 'index.html', maxAge: '1h' }))
  } else {
    options.log.warn({ dir: WEB_DIST }, 'dashboard web bundle missing: run `npm run build:web`')
    app.get('/', (_req, res) => {
      res.status(503).type('text/plain').send('Dashboard bundle not built. Run `npm run build:web`.\n')
    })
  }
  app.use(errorMiddleware(options.log))
  return app
}
