import type { PageName } from '../routes.js'
import { createAdminDeadLettersPage } from './admin/dead-letters.js'
import { createAdminDevicesPage } from './admin/devices.js'
import { createAdminGatewaysPage } from './admin/gateways.js'
import { createAdminRulesPage } from './admin/rules.js'
import { createAdminUsersPage } from './admin/users.js'
import { createAlertsInboxPage } from './alerts-inbox.js'
import { createDevicePage } from './device-detail.js'
import { createMaintenancePage } from './maintenance.js'
import { createOverviewPage } from './overview.js'
import { createPaddyPage } from './paddy.js'
import type { PageFactory } from './page.js'
import { createRailPage } from './rail.js'
import { createReportPage } from './report.js'
import { createReservoirPage } from './reservoir.js'

/** Which page a route mounts. */
export const PAGE_FACTORIES: Record<PageName, PageFactory> = {
  overview: createOverviewPage,
  device: createDevicePage,
  alerts: createAlertsInboxPage,
  paddy: createPaddyPage,
  reservoir: createReservoirPage,
  rail: createRailPage,
  report: createReportPage,
  maintenance: createMaintenancePage,
  'admin-devices': createAdminDevicesPage,
  'admin-users': createAdminUsersPage,
  'admin-gateways': createAdminGatewaysPage,
  'admin-dead-letters': createAdminDeadLettersPage,
  'admin-rules': createAdminRulesPage,
}
