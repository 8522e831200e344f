import { z } from 'zod'
import type { MaintenanceCalendar } from '../maintenance.js'
import type {
  AlertMetaStore,
  AuditEntry,
  NotificationDeadLetter,
  StoredSettings,
} from '../store/meta-store.js'
import {
  type ContactGroup,
  ContactGroupSchema,
  type Subscription,
  SubscriptionSchema,
} from './notifiers/contacts.js'
import { effectiveRule } from './resolve.js'
import { type AlertSettings, AlertSettingsSchema, type RuleSpec, RuleSpecSchema } from './rule-spec.js'

/** A change an operator asked for that cannot be made; `status` is the HTTP answer. */
export class AlertAdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    message: string,
  ) {
    super(message)
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw new AlertAdminError(400, `invalid ${what}: ${z.prettifyError(result.error)}`)
  return result.data
}

export interface AlertAdmin {
  listRules(): Promise<
    Array<{
      id: string
      rule: RuleSpec | null
      error?: string
      updatedAt: number | null
      updatedBy: string | null
    }>
  >
  putRule(id: string, input: unknown, actor: string): Promise<{ rule: RuleSpec; created: boolean }>
  deleteRule(id: string, actor: string): Promise<void>
  listSettings(): Promise<StoredSettings[]>
  putSettings(scope: 'site' | 'device', target: string, input: unknown, actor: string): Promise<AlertSettings>
  deleteSettings(scope: 'site' | 'device', target: string, actor: string): Promise<void>
  listContactGroups(): Promise<Array<{ id: string; group: ContactGroup | null; updatedAt: number }>>
  putContactGroup(
    id: string,
    input: unknown,
    actor: string,
  ): Promise<{ group: ContactGroup; created: boolean }>
  deleteContactGroup(id: string, actor: string): Promise<void>
  getSubscription(username: string): Promise<Subscription | undefined>
  putSubscription(username: string, input: unknown, actor: string): Promise<Subscription>
  deleteSubscription(username: string, actor: string): Promise<void>
  audit(filter: { limit: number; action?: string; target?: string }): Promise<AuditEntry[]>
  notificationDeadLetters(limit: number): Promise<NotificationDeadLetter[]>
  maintenance: MaintenanceCalendar
}

/** Webhook secrets are never sent back: a contact shows whether it has one. */
export function redactGroup(group: ContactGroup): unknown {
  return {
    ...group,
    members: group.members.map((m) =>
      'secret' in m && m.secret ? { ...m, secret: undefined, hasSecret: true } : m,
    ),
  }
}

/**
 * Rules, settings, contact groups and subscriptions as operators edit them over REST: validated
 * with the same zod schemas as the rules file, written to the store, audited (who, what, before
 * and after), then the engine or the notifier reloads.
 */
export function createAlertAdmin(deps: {
  store: AlertMetaStore
  reloadRules(actor: string): Promise<void>
  reloadContacts(): Promise<void>
  maintenance: MaintenanceCalendar
  deviceExists(id: string): boolean
  now?: () => number
}): AlertAdmin {
  const { store } = deps
  const now = deps.now ?? Date.now
  const audit = (actor: string, action: string, target: string, detail: unknown) =>
    store.addAudit({ at: now(), actor, action, target, detail })

  const currentRules = async () => {
    const out = new Map<string, RuleSpec>()
    for (const row of await store.listRuleSpecs()) {
      const parsed = RuleSpecSchema.safeParse(row.spec)
      if (parsed.success) out.set(row.id, parsed.data)
    }
    return out
  }
  const parsedSettings = async () =>
    (await store.listAlertSettings()).flatMap((row) => {
      const parsed = AlertSettingsSchema.safeParse(row.settings)
      return parsed.success ? [{ ...row, settings: parsed.data }] : []
    })

  /** Every stored setting must still make a valid rule with this spec (a patch could break hysteresis). */
  const checkAgainstSettings = async (rule: RuleSpec) => {
    for (const row of await parsedSettings()) {
      if (!row.settings.rules?.[rule.id] && !('relativeTo' in rule)) continue
      const eff = effectiveRule(rule, row.settings)
      if ('error' in eff)
        throw new AlertAdminError(
          400,
          `rule ${rule.id} with the settings of ${row.scope} ${row.target}: ${eff.error}`,
        )
    }
  }

  return {
    async listRules() {
      return (await store.listRuleSpecs()).map((row) => {
        const parsed = RuleSpecSchema.safeParse(row.spec)
        return parsed.success
          ? { id: row.id, rule: parsed.data, updatedAt: row.updatedAt, updatedBy: row.updatedBy }
          : {
              id: row.id,
              rule: null,
              error: z.prettifyError(parsed.error),
              updatedAt: row.updatedAt,
              updatedBy: row.updatedBy,
            }
      })
    },
    async putRule(id, input, actor) {
      const body = typeof input === 'object' && input !== null ? { id, ...input } : input
      const rule = parse(RuleSpecSchema, body, 'rule')
      if (rule.id !== id)
        throw new AlertAdminError(400, `invalid rule: id ${rule.id} does not match the path (${id})`)
      await checkAgainstSettings(rule)
      const before = (await currentRules()).get(id)
      await store.upsertRuleSpec(id, rule as unknown as Record<string, unknown>, actor, now())
      await audit(actor, before ? 'rule.update' : 'rule.create', `rule:${id}`, {
        before: before ?? null,
        after: rule,
      })
      await deps.reloadRules(actor)
      return { rule, created: !before }
    },
    async deleteRule(id, actor) {
      const before = (await currentRules()).get(id)
      if (!(await store.deleteRule(id))) throw new AlertAdminError(404, `no rule ${id}`)
      await audit(actor, 'rule.delete', `rule:${id}`, { before: before ?? null })
      await deps.reloadRules(actor)
    },
    listSettings: () => store.listAlertSettings(),
    async putSettings(scope, target, input, actor) {
      const settings = parse(AlertSettingsSchema, input, 'settings')
      if (scope === 'device' && !deps.deviceExists(target))
        throw new AlertAdminError(404, `no device ${target}`)
      const rules = await currentRules()
      for (const ruleId of Object.keys(settings.rules ?? {})) {
        const rule = rules.get(ruleId)
        if (!rule) throw new AlertAdminError(400, `invalid settings: no rule ${ruleId}`)
        const eff = effectiveRule(rule, settings)
        if ('error' in eff)
          throw new AlertAdminError(400, `invalid settings for rule ${ruleId}: ${eff.error}`)
      }
      const before = (await store.listAlertSettings()).find((s) => s.scope === scope && s.target === target)
      await store.putAlertSettings({ scope, target, settings, updatedAt: now(), updatedBy: actor })
      await audit(actor, 'settings.update', `${scope}:${target}`, {
        before: before?.settings ?? null,
        after: settings,
      })
      await deps.reloadRules(actor)
      return settings
    },
    async deleteSettings(scope, target, actor) {
      if (!(await store.deleteAlertSettings(scope, target)))
        throw new AlertAdminError(404, `no settings for ${scope} ${target}`)
      await audit(actor, 'settings.delete', `${scope}:${target}`, null)
      await deps.reloadRules(actor)
    },
    async listContactGroups() {
      return (await store.listContactGroups()).map((row) => {
        const parsed = ContactGroupSchema.safeParse(row.spec)
        return { id: row.id, group: parsed.success ? parsed.data : null, updatedAt: row.updatedAt }
      })
    },
    async putContactGroup(id, input, actor) {
      const group = parse(ContactGroupSchema, input, 'contact group')
      const existed = (await store.listContactGroups()).some((g) => g.id === id)
      await store.putContactGroup({ id, spec: group, updatedAt: now(), updatedBy: actor })
      await audit(
        actor,
        existed ? 'contact-group.update' : 'contact-group.create',
        `contact-group:${id}`,
        redactGroup(group),
      )
      await deps.reloadContacts()
      return { group, created: !existed }
    },
    async deleteContactGroup(id, actor) {
      if (!(await store.deleteContactGroup(id))) throw new AlertAdminError(404, `no contact group ${id}`)
      await audit(actor, 'contact-group.delete', `contact-group:${id}`, null)
      await deps.reloadContacts()
    },
    async getSubscription(username) {
      const row = (await store.listSubscriptions()).find((s) => s.username === username)
      const parsed = row ? SubscriptionSchema.safeParse(row.spec) : undefined
      return parsed?.success ? parsed.data : undefined
    },
    async putSubscription(username, input, actor) {
      const subscription = parse(SubscriptionSchema, input, 'subscription')
      await store.putSubscription({ username, spec: subscription, updatedAt: now() })
      await audit(actor, 'subscription.update', `user:${username}`, subscription)
      await deps.reloadContacts()
      return subscription
    },
    async deleteSubscription(username, actor) {
      if (!(await store.deleteSubscription(username)))
        throw new AlertAdminError(404, `no subscription for ${username}`)
      await audit(actor, 'subscription.delete', `user:${username}`, null)
      await deps.reloadContacts()
    },
    audit: (filter) => store.listAudit(filter),
    notificationDeadLetters: (limit) => store.listNotificationDeadLetters(limit),
    maintenance: deps.maintenance,
  }
}
