import { ApiError } from '../../api.js'
import { type Child, h } from '../../dom.js'
import type { GetUi } from '../../ui-context.js'

/** A labelled form field; `hint` is tied to the input with aria-describedby. */
export function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  if (hint !== undefined) input.setAttribute('aria-describedby', `${id}-hint`)
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint !== undefined && h('p', { class: 'muted field-hint', id: `${id}-hint` }, hint),
  )
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * An endpoint this server does not have yet (404 for the route, 501 or 503 when the process runs
 * without the part behind it): the page says so plainly instead of showing an error.
 */
export function isMissingEndpoint(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 501 || error.status === 503 || (error.status === 404 && /no route/.test(error.message)))
  )
}

/** The body of a page section while loading, failed, missing on this server, or ready. */
export function loadState(
  ui: GetUi,
  state: { loading: boolean; error?: unknown },
  ready: () => Child,
): Child {
  const { t } = ui()
  if (state.loading) return h('p', { class: 'muted' }, t('app.loading'))
  if (state.error !== undefined) {
    if (isMissingEndpoint(state.error)) return h('p', { class: 'notice' }, t('admin.notYet'))
    return h(
      'p',
      { class: 'form-error', role: 'alert' },
      t('app.error', { detail: errorMessage(state.error) }),
    )
  }
  return ready()
}

/** Asks before something that cannot be undone (revoking a credential, deleting a user). */
export function confirmAction(message: string): boolean {
  return typeof window.confirm !== 'function' || window.confirm(message)
}
