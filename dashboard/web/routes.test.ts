import { describe, expect, it } from 'vitest'
import { deviceHref, PAGES, pageHref, parseRoute } from './routes.js'

describe('hash routes', () => {
  it('round-trips device ids through the hash', () => {
    expect(parseRoute(deviceHref('p-01'))).toEqual({ isRoute: true, page: 'device', deviceId: 'p-01' })
    expect(parseRoute(deviceHref('山田/1')).deviceId).toBe('山田/1')
  })

  it('round-trips every page through its link', () => {
    for (const page of PAGES) expect(parseRoute(pageHref(page)).page).toBe(page)
  })

  it('treats #/ as the overview and plain anchors as not a route', () => {
    expect(parseRoute('#/')).toEqual({ isRoute: true, page: 'overview' })
    expect(parseRoute('#alerts')).toEqual({ isRoute: false, page: 'overview' })
    expect(parseRoute('')).toEqual({ isRoute: false, page: 'overview' })
    expect(parseRoute('#/devices/%E0%A4%A')).toEqual({ isRoute: true, page: 'overview' })
    expect(parseRoute('#/no-such-page')).toEqual({ isRoute: true, page: 'overview' })
  })
})
