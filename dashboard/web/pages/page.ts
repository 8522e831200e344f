import type { AlertBook } from '../alert-book.js'
import type { AckControls } from '../alert-item.js'
import type { Api } from '../api.js'
import type { DeviceStore } from '../device-store.js'
import type { AlertEvent, ReadingFrame, User } from '../types.js'
import type { Announce, GetUi } from '../ui-context.js'

/** What every page receives from the shell: shared state, the API, and the signed-in user. */
export interface PageContext {
  root: HTMLElement
  api: Api
  ui: GetUi
  announce: Announce
  user: User
  devices: DeviceStore
  alerts: AlertBook
  /** Acknowledge forms (absent for viewers, who cannot acknowledge). */
  acks: AckControls
  /** Errors a page cannot handle itself: a 401 sends the user back to the login form. */
  onError(error: unknown): void
  /** Map tiles (from `<meta name="mimamori-tiles">`), for the overview map. */
  tiles: TileConfig
  /** The device of a `#/devices/<id>` route. */
  deviceId?: string
}

export interface TileConfig {
  url: string
  attribution: string
}

/** A mounted page. Live hooks are optional: the shell calls what the page has. */
export interface Page {
  /** Rebuild in the current language (after the switch). */
  render(): void
  applyFrame?(frame: ReadingFrame): void
  applyAlert?(event: AlertEvent): void
  /** After a socket reconnect: refetch what frames may have missed. */
  resync?(): void
  stop(): void
}

export type PageFactory = (ctx: PageContext) => Page
