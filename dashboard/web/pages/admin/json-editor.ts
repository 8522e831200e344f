import { h } from '../../dom.js'
import type { GetUi } from '../../ui-context.js'

export interface JsonEditorOptions {
  id: string
  label: string
  value: unknown
  /** Sends the parsed JSON; a rejection's message is shown under the field. */
  save(value: unknown): Promise<void>
}

/**
 * Edits one stored JSON object (a rule, a contact group, a site's settings) in a text area. The
 * server validates it with the same zod schema as the rules file and answers 400 with the reason,
 * which is shown as is; malformed JSON is caught here first.
 */
export function jsonEditor(ui: GetUi, options: JsonEditorOptions): HTMLElement {
  const { t } = ui()
  const fieldId = `json-${options.id}`
  const errorId = `${fieldId}-error`
  const area = h('textarea', {
    id: fieldId,
    rows: 12,
    spellcheck: 'false',
    class: 'json-field',
    'aria-describedby': errorId,
  })
  area.value = JSON.stringify(options.value, null, 2)
  const error = h('p', { class: 'form-error', id: errorId, role: 'alert' })
  const status = h('p', { class: 'muted', role: 'status' })
  const submit = h('button', { type: 'submit' }, t('admin.save'))
  const form = h(
    'form',
    { class: 'json-editor' },
    h('label', { for: fieldId }, options.label),
    area,
    error,
    status,
    h('div', { class: 'button-row' }, submit),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    error.textContent = ''
    status.textContent = ''
    let parsed: unknown
    try {
      parsed = JSON.parse(area.value)
    } catch (err) {
      error.textContent = t('admin.badJson', { detail: err instanceof Error ? err.message : String(err) })
      area.focus()
      return
    }
    submit.disabled = true
    options
      .save(parsed)
      .then(() => {
        status.textContent = t('admin.saved')
      })
      .catch((err: unknown) => {
        error.textContent = t('admin.failed', { detail: err instanceof Error ? err.message : String(err) })
        area.focus()
      })
      .finally(() => {
        submit.disabled = false
      })
  })
  return form
}
