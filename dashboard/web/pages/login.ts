import { ApiError } from '../api.js'
import { h, replaceChildren } from '../dom.js'
import type { MessageKey } from '../i18n/translate.js'
import type { LoginResult } from '../types.js'
import type { GetUi } from '../ui-context.js'

export interface LoginPageOptions {
  login(username: string, password: string): Promise<LoginResult>
  onSuccess(result: LoginResult): void
  /** Shown above the form, e.g. after the session expired. */
  notice?: MessageKey
}

/** Which message a failed login shows: throttling must read differently from a wrong password. */
export function loginErrorMessage(error: unknown): { key: MessageKey; detail?: string } {
  if (error instanceof ApiError && error.status === 401) return { key: 'login.invalid' }
  if (error instanceof ApiError && error.status === 429) return { key: 'login.throttled' }
  return { key: 'login.failed', detail: error instanceof Error ? error.message : String(error) }
}

export interface LoginPage {
  render(): void
}

export function createLoginPage(root: HTMLElement, ui: GetUi, options: LoginPageOptions): LoginPage {
  // Kept across re-renders (language switch) so typed input and the last error survive.
  let username = ''
  let error: { key: MessageKey; detail?: string } | undefined
  let busy = false

  function render(): void {
    const { t } = ui()
    const userInput = h('input', {
      id: 'login-username',
      name: 'username',
      type: 'text',
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      value: username,
    })
    const passInput = h('input', {
      id: 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    })
    const submit = h(
      'button',
      { type: 'submit', disabled: busy },
      t(busy ? 'login.submitting' : 'login.submit'),
    )
    const errorEl = h(
      'p',
      { id: 'login-error', class: 'form-error', role: 'alert' },
      error && t(error.key, { detail: error.detail ?? '' }),
    )
    const form = h(
      'form',
      { class: 'login-form', 'aria-describedby': 'login-error' },
      h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('login.username')), userInput),
      h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), passInput),
      errorEl,
      submit,
    )
    userInput.addEventListener('input', () => {
      username = userInput.value
    })
    // Updates the existing form in place while signing in, so focus and the typed password stay put.
    const setBusy = (next: boolean): void => {
      busy = next
      submit.disabled = next
      submit.textContent = t(next ? 'login.submitting' : 'login.submit')
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      if (busy) return
      username = userInput.value
      error = undefined
      errorEl.textContent = ''
      setBusy(true)
      options
        .login(userInput.value, passInput.value)
        .then((result) => {
          setBusy(false)
          options.onSuccess(result)
        })
        .catch((err: unknown) => {
          setBusy(false)
          error = loginErrorMessage(err)
          errorEl.textContent = t(error.key, { detail: error.detail ?? '' })
          passInput.select()
          passInput.focus()
        })
    })
    replaceChildren(
      root,
      h(
        'section',
        { class: 'login', 'aria-labelledby': 'login-heading' },
        h('h2', { id: 'login-heading' }, t('login.heading')),
        options.notice && !error && h('p', { class: 'notice', role: 'status' }, t(options.notice)),
        form,
      ),
    )
  }

  return { render }
}
