import { canAct, isAdmin, seesKind } from './access.js'
import { h, replaceChildren } from './dom.js'
import type { MessageKey } from './i18n/translate.js'
import { type PageName, pageHref } from './routes.js'
import type { User } from './types.js'
import type { GetUi } from './ui-context.js'

type NavPage = Exclude<PageName, 'device'>

/** The pages the user's role and scope make useful, in menu order; admin pages apart. */
export function navPages(user: User): { main: NavPage[]; admin: NavPage[] } {
  const main: NavPage[] = ['overview', 'alerts']
  if (seesKind(user, 'paddy')) main.push('paddy')
  if (seesKind(user, 'reservoir')) main.push('reservoir')
  if (seesKind(user, 'rail')) main.push('rail')
  // The patrol report counts paddy and reservoir visits saved.
  if (seesKind(user, 'paddy') || seesKind(user, 'reservoir')) main.push('report')
  if (canAct(user)) main.push('maintenance')
  const admin: NavPage[] = isAdmin(user)
    ? ['admin-devices', 'admin-users', 'admin-gateways', 'admin-dead-letters', 'admin-rules']
    : []
  return { main, admin }
}

const LABEL = (page: NavPage): MessageKey => `nav.${page}` as MessageKey

/**
 * The menu: links for the user's pages, the current one marked with aria-current (and shown
 * underlined, not only coloured); admin pages folded in a disclosure so a phone shows one row.
 */
export function renderNav(root: HTMLElement, user: User, current: PageName | undefined, ui: GetUi): void {
  const { t } = ui()
  const { main, admin } = navPages(user)
  const link = (page: NavPage) =>
    h(
      'li',
      {},
      h(
        'a',
        { href: pageHref(page), 'aria-current': page === current ? 'page' : undefined, 'data-nav': page },
        t(LABEL(page)),
      ),
    )
  const adminOpen = admin.includes(current as NavPage)
  replaceChildren(
    root,
    h(
      'nav',
      { 'aria-label': t('nav.label') },
      h('ul', { class: 'nav-list' }, main.map(link)),
      admin.length > 0 &&
        h(
          'details',
          { class: 'nav-admin', open: adminOpen },
          h('summary', {}, t('nav.admin')),
          h('ul', { class: 'nav-list' }, admin.map(link)),
        ),
    ),
  )
}
