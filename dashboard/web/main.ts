import 'uplot/dist/uPlot.min.css'
import 'leaflet/dist/leaflet.css'
import './styles.css'
import './styles/components.css'
import './styles/nav.css'
import './styles/pages.css'
import './styles/kinds.css'
import './styles/admin.css'
import { io } from 'socket.io-client'
import { createApi } from './api.js'
import { startApp } from './app.js'

/** Browser entry: the only place that touches real globals; everything below receives them. */
function localStorageOrUndefined(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    // Some privacy modes throw on access; the app then just forgets the language choice.
    return undefined
  }
}

startApp({
  document,
  window,
  api: createApi({ fetch: window.fetch.bind(window) }),
  connect: (options) => io(options),
  storage: localStorageOrUndefined(),
  now: Date.now,
})
