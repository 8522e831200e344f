import { DEVICE_KINDS } from '../../../../firmware-contracts/kinds.js'
import { h, keepFocus, replaceChildren } from '../../dom.js'
import { formatMoment, isoTime, kindLabel } from '../../format.js'
import { deviceHref } from '../../routes.js'
import { secretOnce } from '../../secret-once.js'
import { statusBadge } from '../../status-badge.js'
import type { DeviceSummary } from '../../types.js'
import type { NewDevice } from '../../types-admin.js'
import type { Page, PageContext } from '../page.js'
import { confirmAction, errorMessage, field } from './form.js'

/** Reads the provisioning form; numbers that are not numbers are left out rather than sent as NaN. */
export function newDeviceFrom(values: Record<string, string>): NewDevice {
  const num = (v: string | undefined) =>
    v === undefined || v.trim() === '' || !Number.isFinite(Number(v)) ? null : Number(v)
  const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim())
  return {
    id: (values.id ?? '').trim(),
    kind: values.kind ?? 'paddy',
    site: text(values.site),
    lat: num(values.lat),
    lon: num(values.lon),
    gatewayId: text(values.gatewayId),
  }
}

/**
 * Admin: the device registry. Provision a device (its MQTT password is shown once), rotate or
 * revoke its credential (either disconnects it at once), or remove it.
 */
export function createAdminDevicesPage(ctx: PageContext): Page {
  const { api, ui, root, devices } = ctx
  const secretSlot = h('div')
  const tableEl = h('div', {
    class: 'table-wrap',
    tabindex: '0',
    role: 'region',
    'aria-labelledby': 'admin-devices-heading',
  })
  const status = h('p', { role: 'status', class: 'muted' })
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'provision-error' })

  function showSecret(title: string, username: string, secret: string): void {
    replaceChildren(
      secretSlot,
      secretOnce(ui, {
        title,
        username,
        secret,
        onClose: () => {
          replaceChildren(secretSlot)
          document.getElementById('provision-id')?.focus()
        },
      }),
    )
    secretSlot.querySelector<HTMLElement>('#secret-heading')?.focus()
  }

  async function act(device: DeviceSummary, action: 'rotate' | 'revoke' | 'delete'): Promise<void> {
    const { t } = ui()
    if (!confirmAction(t(`adminDevices.confirm.${action}`, { id: device.id }))) return
    try {
      if (action === 'rotate') {
        const { password } = await api.rotateDevice(device.id)
        showSecret(t('adminDevices.rotated', { id: device.id }), device.id, password)
      } else if (action === 'revoke') {
        await api.revokeDevice(device.id)
        status.textContent = t('adminDevices.revoked', { id: device.id })
      } else {
        await api.deleteDevice(device.id)
        status.textContent = t('adminDevices.deleted', { id: device.id })
        await devices.load()
      }
    } catch (error) {
      ctx.onError(error)
      status.textContent = t('admin.failed', { detail: errorMessage(error) })
    }
  }

  function drawTable(): void {
    const { t, lang, now } = ui()
    const list = devices.list().sort((a, b) => a.id.localeCompare(b.id, 'en'))
    const button = (device: DeviceSummary, action: 'rotate' | 'revoke' | 'delete') => {
      const b = h(
        'button',
        {
          type: 'button',
          class: action === 'rotate' ? 'button-secondary' : 'button-secondary button-danger',
          id: `${action}-${device.id}`,
        },
        t(`adminDevices.${action}`),
        h('span', { class: 'visually-hidden' }, ` ${device.id}`),
      )
      b.addEventListener('click', () => void act(device, action))
      return b
    }
    replaceChildren(
      tableEl,
      !devices.loaded()
        ? h('p', { class: 'muted' }, t('app.loading'))
        : h(
            'table',
            { class: 'data-table' },
            h('caption', {}, t('adminDevices.caption', { count: list.length })),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [
                  'devices.col.id',
                  'devices.col.kind',
                  'devices.col.site',
                  'adminDevices.position',
                  'adminDevices.gateway',
                  'devices.col.status',
                  'devices.col.lastSeen',
                  'admin.actions',
                ].map((k) => h('th', { scope: 'col' }, t(k as 'admin.actions'))),
              ),
            ),
            h(
              'tbody',
              {},
              list.map((d) =>
                h(
                  'tr',
                  { 'data-device-id': d.id },
                  h('th', { scope: 'row' }, h('a', { href: deviceHref(d.id) }, d.id)),
                  h('td', {}, kindLabel(d.kind, t)),
                  h('td', {}, d.site ?? '—'),
                  h(
                    'td',
                    {},
                    typeof d.lat === 'number' && typeof d.lon === 'number'
                      ? `${d.lat.toFixed(4)}, ${d.lon.toFixed(4)}`
                      : t('adminDevices.noPosition'),
                  ),
                  h('td', {}, d.gatewayId ?? '—'),
                  h('td', {}, statusBadge(d.status, t)),
                  h(
                    'td',
                    {},
                    d.lastSeen === null
                      ? t('devices.never')
                      : h('time', { datetime: isoTime(d.lastSeen) }, formatMoment(d.lastSeen, now(), lang)),
                  ),
                  h(
                    'td',
                    { class: 'actions' },
                    button(d, 'rotate'),
                    button(d, 'revoke'),
                    button(d, 'delete'),
                  ),
                ),
              ),
            ),
          ),
    )
  }
  const renderTable = (): void => keepFocus(tableEl, drawTable)

  function provisionForm(): HTMLFormElement {
    const { t } = ui()
    const input = (name: string, attrs: Record<string, string | boolean> = {}) =>
      h('input', { id: `provision-${name}`, name, type: 'text', autocomplete: 'off', ...attrs })
    const kind = h(
      'select',
      { id: 'provision-kind', name: 'kind' },
      DEVICE_KINDS.map((k) => h('option', { value: k }, kindLabel(k, t))),
    )
    const form = h(
      'form',
      { class: 'admin-form', 'aria-labelledby': 'provision-heading', 'aria-describedby': 'provision-error' },
      h('h3', { id: 'provision-heading' }, t('adminDevices.provision')),
      field(
        'provision-id',
        t('devices.col.id'),
        input('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}' }),
        t('adminDevices.idHint'),
      ),
      field('provision-kind', t('devices.col.kind'), kind),
      field('provision-site', t('devices.col.site'), input('site')),
      field(
        'provision-lat',
        t('adminDevices.lat'),
        input('lat', { inputmode: 'decimal' }),
        t('adminDevices.latHint'),
      ),
      field('provision-lon', t('adminDevices.lon'), input('lon', { inputmode: 'decimal' })),
      field('provision-gatewayId', t('adminDevices.gateway'), input('gatewayId')),
      formError,
      h('div', { class: 'button-row' }, h('button', { type: 'submit' }, t('adminDevices.provisionSubmit'))),
    )
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      formError.textContent = ''
      const values = Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]))
      const device = newDeviceFrom(values)
      api
        .provisionDevice(device)
        .then(({ password }) => {
          form.reset()
          showSecret(t('adminDevices.provisioned', { id: device.id }), device.id, password)
          return devices.load()
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
        { class: 'panel admin', 'aria-labelledby': 'admin-devices-heading' },
        h('h2', { id: 'admin-devices-heading', tabindex: '-1' }, t('adminDevices.heading')),
        secretSlot,
        provisionForm(),
        status,
        tableEl,
      ),
    )
    drawTable()
  }

  const unsubscribe = devices.subscribe((change) => {
    if (change.type === 'list') renderTable()
  })
  return { render, stop: unsubscribe }
}
