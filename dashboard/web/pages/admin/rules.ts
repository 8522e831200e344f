import { h, replaceChildren } from '../../dom.js'
import { formatMoment, formatValue, kindLabel } from '../../format.js'
import { statusBadge } from '../../status-badge.js'
import type { ContactGroupEntry, RuleEntry, RuleSpecView, StoredSettings } from '../../types-admin.js'
import type { Page, PageContext } from '../page.js'
import { field, loadState } from './form.js'
import { jsonEditor } from './json-editor.js'

type Load<T> = { loading: boolean; error?: unknown; data: T }

/** The levels of a rule in one line: `> 50.0 °C (clear < 48.0 °C)`, or its relative form. */
export function levelsText(rule: RuleSpecView, lang: 'ja' | 'en'): string {
  const metric = rule.type === 'battery' ? 'battery_v' : (rule.metric ?? '')
  if (typeof rule.threshold !== 'number')
    return rule.type === 'forecast' && typeof rule.target === 'number'
      ? `→ ${formatValue(metric, rule.target, lang)}`
      : '—'
  const op = rule.type === 'battery' || rule.op === 'below' ? '<' : '>'
  const back = op === '<' ? '>' : '<'
  const rel = rule.relativeTo
    ? ` [${rule.relativeTo.param}${(rule.relativeTo.threshold ?? 0) >= 0 ? '+' : ''}${rule.relativeTo.threshold ?? 0}]`
    : ''
  const clear = typeof rule.clear === 'number' ? ` (${back} ${formatValue(metric, rule.clear, lang)})` : ''
  return `${op} ${formatValue(metric, rule.threshold, lang)}${clear}${rel}`
}

/**
 * Admin: alert rules, per-site/per-device settings (crest levels, rail lines, crop calendars) and
 * contact groups, each editable as the JSON the server validates (docs/alerts.md has the format).
 */
export function createAdminRulesPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  let rules: Load<RuleEntry[]> = { loading: true, data: [] }
  let settings: Load<StoredSettings[]> = { loading: true, data: [] }
  let groups: Load<ContactGroupEntry[]> = { loading: true, data: [] }
  const rulesEl = h('div')
  const settingsEl = h('div')
  const groupsEl = h('div')
  let stopped = false

  async function fetchInto<T>(get: () => Promise<T>, set: (v: Load<T>) => void, empty: T): Promise<void> {
    try {
      set({ loading: false, data: await get() })
    } catch (error) {
      ctx.onError(error)
      set({ loading: false, error, data: empty })
    }
  }

  async function load(): Promise<void> {
    await Promise.all([
      fetchInto(api.rules, (v) => (rules = v), []),
      fetchInto(api.alertSettings, (v) => (settings = v), []),
      fetchInto(api.contactGroups, (v) => (groups = v), []),
    ])
    if (!stopped) drawAll()
  }

  function drawRules(): void {
    const { t, lang } = ui()
    replaceChildren(
      rulesEl,
      loadState(ui, rules, () =>
        h(
          'ul',
          { class: 'rule-list' },
          rules.data.map((entry) => {
            const r = entry.rule
            return h(
              'li',
              { class: 'rule' },
              h(
                'p',
                { class: 'rule-head' },
                r ? statusBadge(r.severity, t) : h('strong', { class: 'form-error' }, t('rules.invalid')),
                ' ',
                h('strong', {}, entry.id),
                r && ` ${lang === 'ja' ? r.labelJa : r.label}`,
              ),
              r &&
                h(
                  'p',
                  { class: 'muted' },
                  [
                    r.type,
                    r.kind ? kindLabel(r.kind, t) : t('rules.allKinds'),
                    levelsText(r, lang),
                    r.enabled ? t('rules.enabled') : t('rules.disabled'),
                  ].join(' ・ '),
                  entry.updatedAt !== null &&
                    ` ・ ${t('rules.updated', { time: formatMoment(entry.updatedAt, ui().now(), lang), by: entry.updatedBy ?? '—' })}`,
                ),
              entry.error && h('pre', { class: 'form-error' }, entry.error),
              h(
                'details',
                {},
                h('summary', {}, t('rules.edit', { id: entry.id })),
                jsonEditor(ui, {
                  id: `rule-${entry.id}`,
                  label: t('rules.json'),
                  value: r ?? {},
                  save: async (value) => {
                    await api.putRule(entry.id, value)
                    void load()
                  },
                }),
              ),
            )
          }),
        ),
      ),
    )
  }

  function drawSettings(): void {
    const { t } = ui()
    const scope = h(
      'select',
      { id: 'settings-scope' },
      h('option', { value: 'site' }, t('settings.site')),
      h('option', { value: 'device' }, t('settings.device')),
    )
    const target = h('input', { id: 'settings-target', type: 'text', required: true, autocomplete: 'off' })
    const newEditor = jsonEditor(ui, {
      id: 'settings-new',
      label: t('settings.json'),
      value: { params: {}, cropCalendar: undefined },
      save: async (value) => {
        await api.putAlertSettings(scope.value as 'site' | 'device', target.value.trim(), value)
        void load()
      },
    })
    replaceChildren(
      settingsEl,
      loadState(ui, settings, () => [
        settings.data.length === 0 && h('p', { class: 'muted' }, t('settings.none')),
        h(
          'ul',
          { class: 'rule-list' },
          settings.data.map((s) =>
            h(
              'li',
              { class: 'rule' },
              h(
                'details',
                {},
                h(
                  'summary',
                  {},
                  `${t(s.scope === 'site' ? 'settings.site' : 'settings.device')}: ${s.target}`,
                ),
                jsonEditor(ui, {
                  id: `settings-${s.scope}-${s.target}`,
                  label: t('settings.json'),
                  value: s.settings,
                  save: async (value) => {
                    await api.putAlertSettings(s.scope, s.target, value)
                    void load()
                  },
                }),
              ),
            ),
          ),
        ),
        h(
          'details',
          { class: 'new-entry' },
          h('summary', {}, t('settings.add')),
          field('settings-scope', t('settings.scope'), scope),
          field('settings-target', t('settings.target'), target),
          newEditor,
        ),
      ]),
    )
  }

  function drawGroups(): void {
    const { t } = ui()
    const id = h('input', {
      id: 'group-id',
      type: 'text',
      autocomplete: 'off',
      pattern: '[a-z0-9][a-z0-9\\-]{0,63}',
    })
    replaceChildren(
      groupsEl,
      loadState(ui, groups, () => [
        groups.data.length === 0 && h('p', { class: 'muted' }, t('groups.none')),
        h(
          'ul',
          { class: 'rule-list' },
          groups.data.map((g) =>
            h(
              'li',
              { class: 'rule' },
              h(
                'details',
                {},
                h('summary', {}, g.id),
                jsonEditor(ui, {
                  id: `group-${g.id}`,
                  label: t('groups.json'),
                  value: g.group ?? {},
                  save: async (value) => {
                    await api.putContactGroup(g.id, value)
                    void load()
                  },
                }),
              ),
            ),
          ),
        ),
        h(
          'details',
          { class: 'new-entry' },
          h('summary', {}, t('groups.add')),
          field('group-id', t('groups.id'), id),
          jsonEditor(ui, {
            id: 'group-new',
            label: t('groups.json'),
            value: { members: [] },
            save: async (value) => {
              await api.putContactGroup(id.value.trim(), value)
              void load()
            },
          }),
        ),
      ]),
    )
  }

  function drawAll(): void {
    drawRules()
    drawSettings()
    drawGroups()
  }

  function render(): void {
    const { t } = ui()
    const section = (id: string, title: string, body: HTMLElement, intro?: string) =>
      h(
        'section',
        { class: 'panel admin', 'aria-labelledby': id },
        h('h2', { id, tabindex: id === 'rules-heading' ? '-1' : undefined }, title),
        intro && h('p', {}, intro),
        body,
      )
    replaceChildren(
      root,
      section('rules-heading', t('rules.heading'), rulesEl, t('rules.intro')),
      section('settings-heading', t('settings.heading'), settingsEl, t('settings.intro')),
      section('groups-heading', t('groups.heading'), groupsEl),
    )
    drawAll()
  }

  void load()
  return {
    render,
    stop() {
      stopped = true
    },
  }
}
