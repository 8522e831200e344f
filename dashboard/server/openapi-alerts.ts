import { z } from 'zod'
import { ContactGroupSchema, SubscriptionSchema } from '../../ingest/alerts/notifiers/contacts.js'
import { AlertSettingsSchema, RuleSpecDocSchema } from '../../ingest/alerts/rule-spec.js'
import { AckSchema } from './api/alert-routes.js'
import { MaintenanceQuerySchema, NewMaintenanceSchema } from './api/maintenance-routes.js'
import {
  AlertDetailSchema,
  AlertSchema,
  ErrorSchema,
  MaintenanceWindowSchema,
} from './api/response-schemas.js'
import { AuditQuerySchema } from './api/rule-routes.js'

type Json = Record<string, unknown>

/** What openapi.ts builds its paths with. */
export interface OpenApiHelpers {
  schema(s: z.ZodType): Json
  json(s: z.ZodType, description: string): Json
  queryParameters(s: z.ZodObject): Json[]
  errors: Json
  idParam: Json
}

/** Paths of the alert lifecycle, rules, contacts and maintenance windows (docs/alerts.md). */
export function alertPaths({ schema, json, queryParameters, errors, idParam }: OpenApiHelpers): Json {
  const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } })
  const body = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } })
  const done = (description: string) => ({ description })
  return {
    '/alerts/{id}': {
      get: {
        summary: 'One alert and every transition (time, actor, note)',
        parameters: [idParam],
        responses: { '200': json(AlertDetailSchema, 'alert'), ...errors, '404': done('no such alert') },
      },
    },
    '/alerts/{id}/ack': {
      post: {
        summary: 'Acknowledge an open alert (operators and admins); stops its escalation',
        parameters: [idParam],
        requestBody: body(AckSchema),
        responses: {
          '200': json(z.object({ alert: AlertSchema }), 'acknowledged'),
          ...errors,
          '404': done('no such alert'),
          '409': json(ErrorSchema, 'cleared or acknowledged already'),
        },
      },
    },
    '/rules': {
      get: { summary: 'Alert rules (each with its stored spec)', responses: { '200': done('rules') } },
    },
    '/rules/{id}': {
      get: { summary: 'One rule', parameters: [idParam], responses: { '200': done('rule') } },
      put: {
        summary: 'Create or replace a rule (admin; audited)',
        parameters: [idParam],
        requestBody: body(RuleSpecDocSchema),
        responses: { '200': done('replaced'), '201': done('created'), ...errors },
      },
      delete: {
        summary: 'Delete a rule (admin; audited)',
        parameters: [idParam],
        responses: { '204': done('deleted') },
      },
    },
    '/alert-settings': {
      get: { summary: 'Per-site and per-device alert settings', responses: { '200': done('settings') } },
    },
    '/alert-settings/{scope}/{target}': {
      put: {
        summary: 'Set a site or device: parameters, crop calendar, expected interval, rule changes (audited)',
        parameters: [pathParam('scope'), pathParam('target')],
        requestBody: body(AlertSettingsSchema),
        responses: { '200': done('stored'), ...errors },
      },
      delete: {
        summary: 'Remove them',
        parameters: [pathParam('scope'), pathParam('target')],
        responses: { '204': done('deleted') },
      },
    },
    '/contact-groups': {
      get: { summary: 'Contact groups (admin; secrets omitted)', responses: { '200': done('groups') } },
    },
    '/contact-groups/{id}': {
      put: {
        summary: 'Create or replace a contact group (admin; audited)',
        parameters: [idParam],
        requestBody: body(ContactGroupSchema),
        responses: { '200': done('replaced'), '201': done('created'), ...errors },
      },
      delete: {
        summary: 'Delete a contact group',
        parameters: [idParam],
        responses: { '204': done('deleted') },
      },
    },
    '/subscriptions/{username}': {
      get: {
        summary: 'A subscription (`me` for your own)',
        parameters: [pathParam('username')],
        responses: { '200': done('subscription') },
      },
      put: {
        summary: 'Sites, severities, channels and quiet hours a user is told about (audited)',
        parameters: [pathParam('username')],
        requestBody: body(SubscriptionSchema),
        responses: { '200': done('stored'), ...errors },
      },
      delete: {
        summary: 'Unsubscribe',
        parameters: [pathParam('username')],
        responses: { '204': done('deleted') },
      },
    },
    '/notifications/dead-letters': {
      get: {
        summary: 'Notifications that could not be delivered after retries (admin)',
        responses: { '200': done('dead letters') },
      },
    },
    '/maintenance': {
      get: {
        summary: 'Maintenance windows',
        parameters: queryParameters(MaintenanceQuerySchema),
        responses: {
          '200': json(z.object({ windows: z.array(MaintenanceWindowSchema) }), 'windows'),
          ...errors,
        },
      },
      post: {
        summary:
          'Open a window on a device or site: alerts pause, readings get the `maintenance` quality flag',
        requestBody: body(NewMaintenanceSchema),
        responses: { '201': json(z.object({ window: MaintenanceWindowSchema }), 'opened'), ...errors },
      },
    },
    '/maintenance/{id}/close': {
      post: {
        summary: 'Close a window now (audited)',
        parameters: [idParam],
        responses: { '200': done('closed') },
      },
    },
    '/audit': {
      get: {
        summary: 'Audit log (admin)',
        parameters: queryParameters(AuditQuerySchema),
        responses: { '200': done('entries') },
      },
    },
  }
}
