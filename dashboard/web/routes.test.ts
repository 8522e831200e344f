import { describe, expect, it } from 'vitest'
import { deviceHref, parseRoute } from './routes.js'

describe('hash routes', () => {
  it('round-trips device ids through the hash', () => {
    expect(parseRoute(deviceHref('p-01'))).toEqual({ isRoute: true, deviceId: 'p-01' })
  })

  it('treats #/ as "no device" and plain anchors as not a route', () => {
    expect(parseRoute('#/')).toEqual({ isRoute: true })
    expect(parseRoute('#alerts')).toEqual({ isRoute: false })
    expect(parseRoute('')).toEqual({ isRoute: false })
    expect(parseRoute('#/devices/%E0%A4%A')).toEqual({ isRoute: true })
  })
})
