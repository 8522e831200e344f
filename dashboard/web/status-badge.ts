import { h } from './dom.js'
import type { Translate } from './i18n/translate.js'
import { statusLook } from './status.js'

/** Icon + word + colour: each alone would do, so colour is never the only signal (WCAG 1.4.1). */
export function statusBadge(status: string, t: Translate): HTMLSpanElement {
  const look = statusLook(status)
  return h(
    'span',
    { class: `badge badge-${look.status}` },
    h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, look.icon),
    ' ',
    t(look.labelKey),
  )
}
