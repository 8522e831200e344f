import { DEVICE_KINDS } from '../../../../firmware-contracts/kinds.js'
import { h, keepFocus, replaceChildren } from '../../dom.js'
import { kindLabel, roleLabel } from '../../format.js'
import { secretOnce } from '../../secret-once.js'
import type { NewUser, UserRecord } from '../../types-admin.js'
import type { Page, PageContext } from '../page.js'
import { confirmAction, errorMessage, field, loadState } from './form.js'

const ROLES = ['operator', 'viewer', 'admin'] as const

/** Sites typed one per line or separated by commas (、 too); empty = every site. */
export function parseSites(text: string): string[] | null {
  const sites = text
    .split(/[\n,、]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return sites.length === 0 ? null : [...new Set(sites)]
}

/**
 * Admin: users and their scope. A farmer is an operator limited to the paddy kind and their own
 * sites; a crew member a viewer or operator limited to rail. A generated password is shown once.
 */
export function createAdminUsersPage(ctx: PageContext): Page {
  const { api, ui, root } = ctx
  let users: UserRecord[] = []
  let state: { loading: boolean; error?: unknown } = { loading: true }
  const listEl = h('div', {
    class: 'table-wrap',
    tabindex: '0',
    role: 'region',
    'aria-labelledby': 'admin-users-heading',
  })
  const secretSlot = h('div')
  const status = h('p', { role: 'status', class: 'muted' })
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'user-error' })
  let stopped = false

  async function load(): Promise<void> {
    try {
      users = await api.users()
      state = { loading: false }
    } catch (error) {
      ctx.onError(error)
      state = { loading: false, error }
    }
    if (!stopped) keepFocus(listEl, drawList)
  }

  async function remove(user: UserRecord): Promise<void> {
    const { t } = ui()
    if (!confirmAction(t('adminUsers.confirmDelete', { username: user.username }))) return
    try {
      await api.deleteUser(user.username)
      status.textContent = t('adminUsers.deleted', { username: user.username })
      await load()
    } catch (error) {
      ctx.onError(error)
      status.textContent = t('admin.failed', { detail: errorMessage(error) })
    }
  }

  function drawList(): void {
    const { t } = ui()
    const all = t('adminUsers.all')
    replaceChildren(
      listEl,
      loadState(ui, state, () =>
        h(
          'table',
          { class: 'data-table' },
          h('caption', {}, t('adminUsers.caption', { count: users.length })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                'adminUsers.username',
                'adminUsers.role',
                'adminUsers.kinds',
                'adminUsers.sites',
                'admin.actions',
              ].map((k) => h('th', { scope: 'col' }, t(k as 'admin.actions'))),
            ),
          ),
          h(
            'tbody',
            {},
            users.map((u) => {
              const del = h(
                'button',
                {
                  type: 'button',
                  class: 'button-secondary button-danger',
                  id: `delete-user-${u.username}`,
                  disabled: u.username === ctx.user.username,
                },
                t('adminUsers.delete'),
                h('span', { class: 'visually-hidden' }, ` ${u.username}`),
              )
              del.addEventListener('click', () => void remove(u))
              return h(
                'tr',
                { 'data-username': u.username },
                h('th', { scope: 'row' }, u.username),
                h('td', {}, roleLabel(u.role, t)),
                h('td', {}, u.kinds === null ? all : u.kinds.map((k) => kindLabel(k, t)).join('・')),
                h('td', {}, u.sites === null ? all : u.sites.join('、')),
                h('td', { class: 'actions' }, del),
              )
            }),
          ),
        ),
      ),
    )
  }

  function addForm(): HTMLFormElement {
    const { t } = ui()
    const username = h('input', {
      id: 'user-username',
      name: 'username',
      type: 'text',
      required: true,
      autocomplete: 'off',
      autocapitalize: 'none',
    })
    const role = h(
      'select',
      { id: 'user-role', name: 'role' },
      ROLES.map((r) => h('option', { value: r }, roleLabel(r, t))),
    )
    const kinds = h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, t('adminUsers.kinds')),
      DEVICE_KINDS.map((k) =>
        h(
          'span',
          { class: 'check' },
          h('input', { type: 'checkbox', id: `user-kind-${k}`, name: 'kinds', value: k }),
          h('label', { for: `user-kind-${k}` }, kindLabel(k, t)),
        ),
      ),
      h('p', { class: 'muted field-hint' }, t('adminUsers.kindsHint')),
    )
    const sites = h('textarea', { id: 'user-sites', name: 'sites', rows: 2 })
    const password = h('input', {
      id: 'user-password',
      name: 'password',
      type: 'password',
      autocomplete: 'new-password',
      minlength: 12,
    })
    const form = h(
      'form',
      { class: 'admin-form', 'aria-labelledby': 'user-add-heading', 'aria-describedby': 'user-error' },
      h('h3', { id: 'user-add-heading' }, t('adminUsers.add')),
      field('user-username', t('adminUsers.username'), username),
      field('user-role', t('adminUsers.role'), role, t('adminUsers.roleHint')),
      kinds,
      field('user-sites', t('adminUsers.sites'), sites, t('adminUsers.sitesHint')),
      field('user-password', t('adminUsers.password'), password, t('adminUsers.passwordHint')),
      formError,
      h('div', { class: 'button-row' }, h('button', { type: 'submit' }, t('adminUsers.addSubmit'))),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      formError.textContent = ''
      const data = new FormData(form)
      const chosen = data.getAll('kinds').map(String)
      const body: NewUser = {
        username: username.value.trim(),
        role: role.value as NewUser['role'],
        kinds: chosen.length === 0 ? null : chosen,
        sites: parseSites(sites.value),
      }
      if (password.value !== '') body.password = password.value
      api
        .addUser(body)
        .then((result) => {
          form.reset()
          status.textContent = t('adminUsers.added', { username: body.username })
          if (result.password !== undefined)
            replaceChildren(
              secretSlot,
              secretOnce(ui, {
                title: t('adminUsers.generated', { username: body.username }),
                username: body.username,
                secret: result.password,
                onClose: () => {
                  replaceChildren(secretSlot)
                  username.focus()
                },
              }),
            )
          secretSlot.querySelector<HTMLElement>('#secret-heading')?.focus()
          return load()
        })
        .catch((error: unknown) => {
          ctx.onError(error)
          formError.textContent = t('admin.failed', { detail: errorMessage(error) })
        })
    })
    return form
  }

  function render(): void {
    const { t } = ui()
    replaceChildren(
      root,
      h(
        'section',
        { class: 'panel admin', 'aria-labelledby': 'admin-users-heading' },
        h('h2', { id: 'admin-users-heading', tabindex: '-1' }, t('adminUsers.heading')),
        secretSlot,
        addForm(),
        status,
        listEl,
      ),
    )
    drawList()
  }

  void load()
  return {
    render,
    stop() {
      stopped = true
    },
  }
}
