import { h, replaceChildren } from '../../dom.js'
import { formatMoment, isoTime, toEpochMs } from '../../format.js'
import { deviceHref } from '../../routes.js'
import type { GatewayInfo } from '../../types-admin.js'
import type { Page, PageContext } from '../page.js'
import { loadState } from './form.js'

/** Refreshes while open: a gateway's backlog is what an admin watches when an uplink comes back. */
const REFRESH_MS = 30_000

/**
 * Admin: edge gateways with their last reported status: up or down, how many readings wait to be
 * sent and since when, and whether it still accepts from its devices (disk budget).
 */
export function createAdminGatewaysPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  let gateways: GatewayInfo[] = []
  let state: { loading: boolean; error?: unknown } = { loading: true }
  const listEl = h('div', {
    class: 'table-wrap',
    tabindex: '0',
    role: 'region',
    'aria-labelledby': 'admin-gateways-heading',
  })
  let stopped = false

  async function load(): Promise<void> {
    try {
      gateways = await api.gateways()
      state = { loading: false }
    } catch (error) {
      ctx.onError(error)
      state = { loading: false, error }
    }
    if (!stopped) drawList()
  }

  function drawList(): void {
    const { t, lang, now } = ui()
    const time = (ms: number | string | null | undefined) => {
      const v = toEpochMs(ms ?? null)
      return v === null ? '—' : h('time', { datetime: isoTime(v) }, formatMoment(v, now(), lang))
    }
    replaceChildren(
      listEl,
      loadState(ui, state, () =>
        gateways.length === 0
          ? h('p', { class: 'muted' }, t('adminGateways.none'))
          : h(
              'table',
              { class: 'data-table' },
              h('caption', {}, t('adminGateways.caption', { count: gateways.length })),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  [
                    'adminGateways.id',
                    'adminGateways.state',
                    'adminGateways.backlog',
                    'adminGateways.oldest',
                    'adminGateways.accepting',
                    'adminGateways.reported',
                    'adminGateways.devices',
                  ].map((k) => h('th', { scope: 'col' }, t(k as 'adminGateways.id'))),
                ),
              ),
              h(
                'tbody',
                {},
                gateways.map((g) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, g.id),
                    h('td', {}, g.status?.state ?? t('adminGateways.noStatus')),
                    h('td', { class: 'num' }, g.status?.backlog ?? '—'),
                    h('td', {}, time(g.status?.oldestUnsentTs)),
                    h(
                      'td',
                      {},
                      g.status?.accepting === undefined
                        ? '—'
                        : g.status.accepting
                          ? t('adminGateways.yes')
                          : h('strong', {}, t('adminGateways.no')),
                    ),
                    h('td', {}, time(g.status?.receivedAt)),
                    h(
                      'td',
                      {},
                      g.devices.length === 0
                        ? '—'
                        : h(
                            'ul',
                            { class: 'inline-list' },
                            g.devices.map((id) => h('li', {}, h('a', { href: deviceHref(id) }, id))),
                          ),
                    ),
                  ),
                ),
              ),
            ),
      ),
    )
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel admin', 'aria-labelledby': 'admin-gateways-heading' },
        h('h2', { id: 'admin-gateways-heading', tabindex: '-1' }, t('adminGateways.heading')),
        listEl,
      ),
    )
    drawList()
  }

  void load()
  const timer = setInterval(() => void load(), REFRESH_MS)
  return {
    render,
    resync: () => void load(),
    stop() {
      stopped = true
      clearInterval(timer)
    },
  }
}
