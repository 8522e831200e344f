import { enAdmin } from './en-admin.js'
import { enPages } from './en-pages.js'
import type { MessageKey } from './ja.js'

/** English catalogue. Typed against the Japanese keys so a missing or extra key fails to compile. */
const enCore: Omit<Record<MessageKey, string>, keyof typeof enPages | keyof typeof enAdmin> = {
  'app.title': 'Mimamori',
  'app.subtitle': 'Remote monitoring of paddies, reservoirs and rails',
  'app.skip': 'Skip to main content',
  'app.loading': 'Loading…',
  'app.error': 'Could not load data ({detail})',
  'app.retry': 'Retry',

  'lang.label': 'Language',
  'lang.switch': '日本語',
  'lang.switchHint': 'Switch to Japanese',

  'demo.banner': 'DEMO MODE: the data shown is simulated, not real measurements.',

  'conn.label': 'Connection',
  'conn.connecting': 'Connecting',
  'conn.live': 'Live',
  'conn.reconnecting': 'Reconnecting',
  'conn.stale': 'Stale since {time}',

  'login.heading': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.invalid': 'Wrong username or password.',
  'login.throttled': 'Too many sign-in attempts. Please wait a while and try again.',
  'login.failed': 'Could not sign in ({detail}).',
  'login.expired': 'Your session has expired. Please sign in again.',

  'user.signedInAs': '{username} ({role})',
  'user.logout': 'Sign out',

  'role.admin': 'Administrator',
  'role.operator': 'Operator',
  'role.viewer': 'Viewer',

  'kind.paddy': 'Paddy',
  'kind.reservoir': 'Reservoir',
  'kind.rail': 'Rail',

  'status.normal': 'Normal',
  'status.info': 'Info',
  'status.watch': 'Watch',
  'status.warning': 'Warning',
  'status.critical': 'Critical',
  'status.silent': 'Silent',
  'status.unknown': 'Unknown',

  'metric.water_depth_cm': 'Water depth',
  'metric.water_temp_c': 'Water temp.',
  'metric.water_level_m': 'Water level',
  'metric.rain_mm_h': 'Rainfall',
  'metric.rail_temp_c': 'Rail temp.',
  'metric.ambient_temp_c': 'Air temp.',
  'metric.battery_v': 'Battery',
  'metric.rssi_dbm': 'Signal',

  'summary.heading': 'Status overview',
  'summary.count': '{count}',
  'summary.total': '{count} devices',

  'summary.openAlerts': '{count} open alerts',

  'devices.heading': 'Devices',
  'devices.filterKind': 'Filter by kind',
  'devices.filterAll': 'All',
  'devices.empty': 'No devices to show.',
  'devices.caption': 'Latest values and status per device ({count} devices)',
  'devices.col.id': 'Device ID',
  'devices.col.kind': 'Kind',
  'devices.col.site': 'Site',
  'devices.col.status': 'Status',
  'devices.col.latest': 'Latest values',
  'devices.col.lastSeen': 'Last seen',
  'devices.openAlerts': '{count} open alerts',
  'devices.noSite': 'not set',
  'devices.never': 'never',
  'devices.noValues': 'no values',

  'place.kindSite': '{kind}, {site}',

  'detail.heading': 'Device details',
  'detail.title': '{id} ({kind}, {site})',
  'detail.otherMetrics': 'Other latest values',
  'detail.thresholds': 'Thresholds',
  'detail.noThresholds': 'No thresholds are set for this chart’s metric.',
  'detail.rule.above': '{label}: {severity} above {threshold}, clears below {clear}',
  'detail.rule.below': '{label}: {severity} below {threshold}, clears above {clear}',
  'detail.notFound': 'Device {id} was not found.',
  'detail.lastSeen': 'Last seen: {time}',

  'alerts.heading': 'Alerts',
  'alerts.open': 'Open alerts',
  'alerts.recent': 'Recently cleared',
  'alerts.noneOpen': 'No open alerts.',
  'alerts.noneRecent': 'No recently cleared alerts.',
  'alerts.value': '{metric} {value} (threshold {threshold})',
  'alerts.showAll': 'Show all ({count} more)',
  'alerts.showFewer': 'Show fewer',
  'alerts.raisedAt': 'Raised {time}',
  'alerts.clearedAt': 'Cleared {time}',
  'alerts.announceRaised': 'New alert: {severity} {device} {detail}',
  'alerts.announceCleared': 'Alert cleared: {device} {detail}',
}

export const en: Record<MessageKey, string> = { ...enCore, ...enPages, ...enAdmin }
