import { h } from './dom.js'
import type { GetUi } from './ui-context.js'

/**
 * A new password shown once (device provisioning, rotation, a generated user password): the server
 * keeps only its hash, so this box is the only chance to copy it. It is not kept anywhere in the
 * page's state: closing the box or leaving the page forgets it.
 */
export function secretOnce(
  ui: GetUi,
  options: { title: string; username: string; secret: string; onClose(): void },
): HTMLElement {
  const { t } = ui()
  const field = h('input', {
    id: 'secret-value',
    type: 'text',
    readonly: true,
    value: options.secret,
    class: 'secret-value',
    spellcheck: 'false',
    autocomplete: 'off',
  })
  const status = h('span', { class: 'copy-status', role: 'status' })
  const copy = h('button', { type: 'button', id: 'secret-copy' }, t('secret.copy'))
  copy.addEventListener('click', () => {
    const done = () => {
      status.textContent = t('secret.copied')
    }
    // The Clipboard API needs a secure context; on plain http inside a closed network, select and copy.
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(options.secret).then(done, () => {
        field.select()
        status.textContent = t('secret.selectHint')
      })
    } else {
      field.select()
      status.textContent = document.execCommand?.('copy') ? t('secret.copied') : t('secret.selectHint')
    }
  })
  const close = h(
    'button',
    { type: 'button', class: 'button-secondary', id: 'secret-close' },
    t('secret.close'),
  )
  close.addEventListener('click', options.onClose)
  return h(
    'section',
    { class: 'secret-once', 'aria-labelledby': 'secret-heading', id: 'secret-once' },
    h('h3', { id: 'secret-heading', tabindex: '-1' }, options.title),
    h('p', { class: 'secret-warning' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), t('secret.once')),
    h('p', {}, t('secret.username', { username: options.username })),
    h('label', { for: 'secret-value' }, t('secret.password')),
    h('div', { class: 'secret-row' }, field, copy),
    status,
    h('div', { class: 'button-row' }, close),
  )
}
