import { type AlertsState, alertsFromRest, applyAlertEvent, changesOpenSet } from './alerts.js'
import type { Api } from './api.js'
import { formatValue, metricLabel } from './format.js'
import { LOCALES } from './i18n/translate.js'
import { statusLook } from './status.js'
import type { Alert, AlertEvent } from './types.js'
import type { Announce, GetUi, UiContext } from './ui-context.js'

export interface AlertBook {
  loaded(): boolean
  state(): AlertsState
  load(): Promise<void>
  /** A live event; returns whether it changed the open set (false for a repeat or an ack). */
  apply(event: AlertEvent): boolean
  subscribe(listener: () => void): () => void
}

/** Our own localised line from the fields; the server's message (both languages at once) is the fallback. */
export function alertDetailText(alert: Alert, { t, lang }: UiContext): string {
  const rate = alert.evidence?.rate
  if (alert.type === 'rate' && rate) {
    const digits = (v: number) => new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 2 }).format(v)
    return t('alerts.rateValue', {
      rate: `${digits(rate.value)} ${rate.unit}`,
      threshold: `${digits(rate.threshold)} ${rate.unit}`,
    })
  }
  // Silence, fault, forecast and gateway alerts are not "a value past a line": the server's words say it.
  const levelAlert = alert.type === undefined || alert.type === 'threshold' || alert.type === 'battery'
  if (!levelAlert || alert.metric === null || alert.metric === '' || alert.value === null)
    return alert.message
  return t('alerts.value', {
    metric: metricLabel(alert.metric, t),
    value: formatValue(alert.metric, alert.value, lang),
    threshold: formatValue(alert.metric, alert.threshold, lang),
  })
}

/**
 * The open and recently cleared alerts every page shares, kept in step with socket events. New and
 * cleared alerts are announced here, once, whichever page is open: polite for news, assertive for
 * a critical one.
 */
export function createAlertBook(
  api: Pick<Api, 'alerts'>,
  ui: GetUi,
  announce: Announce,
  visible: (alert: Alert) => boolean = () => true,
): AlertBook {
  let state: AlertsState = { open: [], recent: [] }
  let loaded = false
  const listeners = new Set<() => void>()
  const emit = (): void => {
    for (const listener of listeners) listener()
  }

  return {
    loaded: () => loaded,
    state: () => state,
    async load() {
      const [open, all] = await Promise.all([api.alerts('open', 200), api.alerts('all', 50)])
      state = alertsFromRest(open.filter(visible), all.filter(visible))
      loaded = true
      emit()
    },
    apply(event) {
      if (!visible(event.alert)) return false
      const changed = changesOpenSet(state, event)
      state = applyAlertEvent(state, event)
      emit()
      if (changed) {
        const { t } = ui()
        const detail = alertDetailText(event.alert, ui())
        if (event.event === 'raised') {
          const severity = t(statusLook(event.alert.severity).labelKey)
          announce(
            t('alerts.announceRaised', { severity, device: event.alert.deviceId, detail }),
            event.alert.severity === 'critical',
          )
        } else announce(t('alerts.announceCleared', { device: event.alert.deviceId, detail }))
      }
      return changed
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
