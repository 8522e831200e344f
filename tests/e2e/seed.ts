import { reservoirJpeg } from '../../simulators/camera/reservoir-scene.js'
import type { TestSystem } from '../helpers/system.js'
import type { Fleet } from './browser.js'

const MINUTE = 60_000
const DAY = 86_400_000

export const FARMER_SITE = '山田地区 第3水田'
export const RAIL_SECTION = '南北線 3工区'

/**
 * A small city: two paddies (one with a crop calendar), a reservoir with a camera and a year of
 * history, two rail thermometers in one section with its own watch line, an open alert on one of
 * them and a rejected message, so every page has something real to show.
 */
export async function seedCity(sys: TestSystem, fleet: Fleet): Promise<void> {
  const now = Date.now()
  await fleet.add('p-01', 'paddy', FARMER_SITE, { lat: 35.412, lon: 136.761 })
  await fleet.add('p-02', 'paddy', '川上地区 第1水田', { lat: 35.421, lon: 136.772 })
  await fleet.add('r-01', 'reservoir', '東ため池', { lat: 35.43, lon: 136.78 })
  await fleet.add('rail-a', 'rail', RAIL_SECTION)
  await fleet.add('rail-b', 'rail', RAIL_SECTION)

  const tillering = new Date(now - 10 * DAY + 9 * 3_600_000).toISOString().slice(0, 10)
  const put = async (path: string, body: unknown) => {
    const res = await sys.api('PUT', path, body)
    if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${JSON.stringify(res.body)}`)
  }
  await put(`/alert-settings/site/${encodeURIComponent(FARMER_SITE)}`, {
    cropCalendar: {
      stages: [{ stage: 'tillering', from: tillering }],
      end: new Date(now + 90 * DAY).toISOString().slice(0, 10),
    },
  })
  await put(`/alert-settings/site/${encodeURIComponent(RAIL_SECTION)}`, {
    params: { railWatchC: 48, railActionC: 58 },
  })

  // A year of reservoir history, a sample every few days, then the last hour.
  for (let days = 360; days > 0; days -= 7)
    await fleet.publish(
      'r-01',
      { water_level_m: 8 + Math.sin(days / 30) * 0.4, rain_mm_h: 0 },
      now - days * DAY,
    )
  for (let i = 6; i >= 0; i--) {
    const ts = now - i * 5 * MINUTE
    await fleet.publish(
      'p-01',
      { water_depth_cm: 8 + i * 0.1, water_temp_c: 22, battery_v: 3.6, rssi_dbm: -78 },
      ts,
    )
    await fleet.publish('p-02', { water_depth_cm: 2.1, water_temp_c: 21, battery_v: 3.5 }, ts)
    await fleet.publish('r-01', { water_level_m: 8.2 + (6 - i) * 0.002, rain_mm_h: 4, battery_v: 12.6 }, ts)
    await fleet.publish('rail-a', { rail_temp_c: 38 + i * 0.2, ambient_temp_c: 30 }, ts)
    await fleet.publish('rail-b', { rail_temp_c: 44 - i * 0.2, ambient_temp_c: 31 }, ts)
  }
  await fleet.publish('rail-b', { rail_temp_c: 52.5, ambient_temp_c: 33 })
  for (const minutesAgo of [30, 20, 10]) {
    const ts = now - minutesAgo * MINUTE
    await fleet.publishImage(
      'r-01',
      ts,
      reservoirJpeg({ deviceId: 'r-01', captureTs: ts, levelM: 8.2, rainMmH: 4, width: 320, height: 240 }),
    )
  }
  await fleet.publishRaw('p-02', '{"ts": "not a time", "m": {}}')
}
