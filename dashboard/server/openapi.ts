import { z } from 'zod'
import { AlertsQuerySchema, DeadLettersQuerySchema } from './api/alert-routes.js'
import { NewDeviceSchema, ReadingsQuerySchema } from './api/device-routes.js'
import { ExportQuerySchema } from './api/export-routes.js'
import { ImagesQuerySchema } from './api/image-routes.js'
import {
  AlertListSchema,
  DeviceListSchema,
  ErrorSchema,
  LoginResponseSchema,
  ReadingsResponseSchema,
} from './api/response-schemas.js'
import { LoginSchema } from './api/session-routes.js'
import { alertPaths } from './openapi-alerts.js'

type Json = Record<string, unknown>

const schema = (s: z.ZodType): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  })
  return rest
}

/** Query schemas become `in: query` parameters, one per property. */
function queryParameters(s: z.ZodObject): Json[] {
  const json = schema(s) as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }))
}

const json = (s: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: schema(s) } },
})
const errors = {
  '400': json(ErrorSchema, 'invalid input; the message names the field'),
  '401': json(ErrorSchema, 'no valid session'),
}
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }

/** The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas that validate requests. */
export function openApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'mimamori API',
      version,
      description:
        'Devices, readings, alerts, images and open-data export. Times are epoch milliseconds (UTC) unless stated.',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'mimamori_session' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths: {
      '/login': {
        post: {
          summary: 'Sign in; sets the session cookie and returns a bearer token',
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: schema(LoginSchema) } } },
          responses: {
            '200': json(LoginResponseSchema, 'signed in'),
            ...errors,
            '429': json(ErrorSchema, 'too many failed logins'),
          },
        },
      },
      '/logout': {
        post: {
          summary: 'End the session (with the session cookie, send X-CSRF-Token like any other change)',
          responses: {
            '204': { description: 'signed out' },
            '403': { description: 'missing or wrong X-CSRF-Token' },
          },
        },
      },
      '/me': {
        get: {
          summary: 'The signed-in user',
          responses: { '200': { description: 'user and demo flag' }, ...errors },
        },
      },
      '/devices': {
        get: {
          summary: 'Devices with latest values and status',
          responses: { '200': json(DeviceListSchema, 'devices'), ...errors },
        },
        post: {
          summary: 'Register a device (admin); the response holds its MQTT password, shown only once',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(NewDeviceSchema) } },
          },
          responses: {
            '201': { description: 'created' },
            ...errors,
            '409': json(ErrorSchema, 'exists already'),
          },
        },
      },
      '/devices/{id}': {
        get: {
          summary: 'One device with its alert rules',
          parameters: [idParam],
          responses: { '200': { description: 'device' } },
        },
        delete: {
          summary: 'Remove a device (admin); it is disconnected at once',
          parameters: [idParam],
          responses: { '204': { description: 'removed' } },
        },
      },
      '/devices/{id}/rotate': {
        post: {
          summary:
            'New MQTT password for a device (admin); the old one stops working and the device is disconnected',
          parameters: [idParam],
          responses: {
            '200': { description: '{id, username, clientId, password} — the password is shown only once' },
            ...errors,
          },
        },
      },
      '/devices/{id}/revoke': {
        post: {
          summary: 'Revoke a device (admin): disconnected at once, refused (CONNACK 5) from then on',
          parameters: [idParam],
          responses: { '200': { description: '{id, revokedAt}' }, ...errors },
        },
      },
      '/devices/{id}/latest': {
        get: {
          summary: 'Latest value of every metric, with units',
          parameters: [idParam],
          responses: { '200': { description: 'latest' } },
        },
      },
      '/devices/{id}/readings': {
        get: {
          summary:
            'Raw points (ranges up to 6 h) or aggregation buckets (longer ranges, or when step is given)',
          parameters: [idParam, ...queryParameters(ReadingsQuerySchema)],
          responses: { '200': json(ReadingsResponseSchema, 'points'), ...errors },
        },
      },
      '/devices/{id}/images': {
        get: {
          summary: 'Camera image timeline',
          parameters: [idParam, ...queryParameters(ImagesQuerySchema)],
          responses: { '200': { description: 'images' } },
        },
      },
      '/devices/{id}/images/{captureTs}': {
        get: {
          summary: 'One JPEG',
          parameters: [
            idParam,
            { name: 'captureTs', in: 'path', required: true, schema: { type: 'integer' } },
          ],
          responses: { '200': { description: 'the image', content: { 'image/jpeg': {} } } },
        },
      },
      '/alerts': {
        get: {
          summary: 'Alerts, newest first, with evidence; filter by state, site, kind, type, severity, time',
          parameters: queryParameters(AlertsQuerySchema),
          responses: { '200': json(AlertListSchema, 'alerts'), ...errors },
        },
      },
      ...alertPaths({ schema, json, queryParameters, errors, idParam }),
      '/dead-letters': {
        get: {
          summary: 'Refused messages with reason and raw payload (admin)',
          parameters: queryParameters(DeadLettersQuerySchema),
          responses: { '200': { description: 'dead letters' } },
        },
      },
      '/export': {
        get: {
          summary: 'Open-data export, streamed as CSV or JSON, with units and station metadata',
          parameters: queryParameters(ExportQuerySchema),
          responses: {
            '200': { description: 'readings', content: { 'text/csv': {}, 'application/json': {} } },
            ...errors,
          },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  }
}
