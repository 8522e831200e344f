import { alertDetailText } from './alert-book.js'
import { clearedMs, isAcknowledged, raisedMs } from './alerts.js'
import { h } from './dom.js'
import { formatMoment, formatValue, isoTime, kindLabel, stageLabel, toEpochMs } from './format.js'
import { deviceHref } from './routes.js'
import { statusLook } from './status.js'
import { statusBadge } from './status-badge.js'
import type { Alert } from './types.js'
import type { GetUi } from './ui-context.js'

/** Acknowledges an alert; resolves once the server took it. */
export type AckAction = (alert: Alert, note: string) => Promise<void>

export interface AckControls {
  /** The "acknowledge" disclosure with its note form, or nothing when the alert cannot be acknowledged. */
  control(alert: Alert): HTMLElement | false
}

function timeEl(ms: number, ui: GetUi): HTMLTimeElement {
  const { now, lang } = ui()
  return h('time', { datetime: isoTime(ms) }, formatMoment(ms, now(), lang))
}

/**
 * The acknowledge form of each alert. Drafts and which forms are open live here, outside the
 * DOM, so a live re-render of the list never loses a note someone is typing.
 */
export function createAckControls(ui: GetUi, ack: AckAction | undefined): AckControls {
  const drafts = new Map<string, string>()
  const openIds = new Set<string>()
  const errors = new Map<string, string>()

  return {
    control(alert) {
      if (ack === undefined || alert.state === 'cleared' || isAcknowledged(alert)) return false
      const { t } = ui()
      const id = String(alert.id)
      const noteId = `ack-note-${id}`
      const note = h('textarea', { id: noteId, rows: 2, maxlength: 500 })
      note.value = drafts.get(id) ?? ''
      note.addEventListener('input', () => drafts.set(id, note.value))
      const submit = h('button', { type: 'submit', id: `ack-submit-${id}` }, t('ack.submit'))
      const error = h('p', { class: 'form-error', role: 'alert' }, errors.get(id) ?? '')
      const form = h(
        'form',
        { class: 'ack-form' },
        h('label', { for: noteId }, t('ack.note')),
        note,
        h('div', { class: 'button-row' }, submit),
        error,
      )
      form.addEventListener('submit', (event) => {
        event.preventDefault()
        submit.disabled = true
        errors.delete(id)
        ack(alert, note.value)
          .then(() => {
            drafts.delete(id)
            openIds.delete(id)
          })
          .catch((err: unknown) => {
            submit.disabled = false
            const message = t('ack.failed', { detail: err instanceof Error ? err.message : String(err) })
            errors.set(id, message)
            error.textContent = message
          })
      })
      const details = h(
        'details',
        { class: 'ack', open: openIds.has(id) },
        h('summary', { id: `ack-open-${id}` }, t('ack.open')),
        form,
      )
      details.addEventListener('toggle', () => {
        if (details.open) openIds.add(id)
        else openIds.delete(id)
      })
      return details
    },
  }
}

function evidenceLines(alert: Alert, ui: GetUi): HTMLElement | false {
  const { t, lang } = ui()
  const e = alert.evidence
  if (e === null || e === undefined) return false
  const parts: Array<HTMLElement | string> = []
  if (e.stage) parts.push(t('alerts.stage', { stage: stageLabel(e.stage, t) }))
  if (e.rate && alert.type !== 'rate')
    parts.push(t('alerts.rate', { rate: `${e.rate.value.toFixed(2)} ${e.rate.unit}` }))
  if (e.forecast && alert.metric)
    parts.push(
      t('alerts.forecast', {
        target: formatValue(alert.metric, e.forecast.target, lang),
        time: formatMoment(e.forecast.reachesAt, ui().now(), lang),
      }),
    )
  if (parts.length === 0 && !e.image) return false
  return h(
    'p',
    { class: 'alert-evidence muted' },
    parts.join(' / '),
    e.image && [' ', h('a', { href: deviceHref(e.image.deviceId) }, t('alerts.image'))],
  )
}

/** One alert: severity word and icon, device link, where, values, times, acknowledgement. */
export function alertItem(alert: Alert, ui: GetUi, acks?: AckControls): HTMLLIElement {
  const { t } = ui()
  const cleared = alert.state === 'cleared'
  const acked = isAcknowledged(alert)
  const kind = kindLabel(alert.kind, t)
  const where = alert.site ? t('place.kindSite', { kind, site: alert.site }) : kind
  const ackedAt = toEpochMs(alert.acknowledgedAt)
  return h(
    'li',
    {
      class: `alert alert-${statusLook(alert.severity).status}${cleared ? ' alert-cleared' : ''}`,
      'data-alert-id': String(alert.id),
    },
    h(
      'div',
      { class: 'alert-head' },
      statusBadge(alert.severity, t),
      ' ',
      h('a', { href: deviceHref(alert.deviceId), class: 'alert-device' }, alert.deviceId),
      where && h('span', { class: 'muted' }, ` ${where}`),
    ),
    h('p', { class: 'alert-detail' }, alertDetailText(alert, ui())),
    evidenceLines(alert, ui),
    h(
      'p',
      { class: 'alert-time muted' },
      t('alerts.raisedAt', { time: '' }),
      timeEl(raisedMs(alert), ui),
      cleared && [' / ', t('alerts.clearedAt', { time: '' }), timeEl(clearedMs(alert), ui)],
    ),
    acked &&
      h(
        'p',
        { class: 'alert-acked', id: `ack-state-${alert.id}`, tabindex: '-1' },
        h('span', { 'aria-hidden': 'true' }, '✓ '),
        t('ack.done', { user: alert.acknowledgedBy ?? '—' }),
        ackedAt !== null && [' ', timeEl(ackedAt, ui)],
        alert.ackNote && h('span', { class: 'ack-note' }, ` 「${alert.ackNote}」`),
      ),
    acks?.control(alert),
  )
}
