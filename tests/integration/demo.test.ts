import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_CREDENTIALS_FILE, DEMO_DEVICES } from '../../cli/demo.js'
import { eventually, startTestSystem, type TestSystem } from '../helpers/system.js'

let sys: TestSystem | undefined
afterEach(async () => {
  await sys?.stop()
  sys = undefined
})

describe('demo mode', () => {
  it('provisions the demo fleet with per-directory credentials, streams live data and raises an alert', async () => {
    // 200 ms instead of 2 s: the demo rail crosses the watch line within 20 readings
    sys = await startTestSystem({ env: { MIMAMORI_DEMO: '1', DEMO_INTERVAL_MS: '200' } })
    const me = await sys.api<{ demo: boolean }>('GET', '/me')
    expect(me.body.demo).toBe(true)

    const credentialsPath = join(sys.dataDir, DEMO_CREDENTIALS_FILE)
    expect(existsSync(credentialsPath)).toBe(true)
    expect(statSync(credentialsPath).mode & 0o077).toBe(0) // readable by the owner only
    const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8')) as Record<
      string,
      { password: string }
    >
    expect(Object.keys(credentials).sort()).toEqual(DEMO_DEVICES.map((d) => d.id).sort())

    const socket = io(sys.httpUrl, {
      auth: { token: sys.token },
      transports: ['websocket'],
      reconnection: false,
    })
    const alerts: Array<{ event: string; alert: { deviceId: string } }> = []
    socket.on('alert', (event) => alerts.push(event))
    try {
      const devices = await eventually(
        async () => {
          const res = await sys?.api<{ devices: Array<{ id: string; lastSeen: number | null }> }>(
            'GET',
            '/devices',
          )
          const list = res?.body.devices ?? []
          return list.length === DEMO_DEVICES.length && list.every((d) => d.lastSeen !== null) && list
        },
        15_000,
        'every demo device to report',
      )
      expect(devices.map((d) => d.id).sort()).toEqual(DEMO_DEVICES.map((d) => d.id).sort())
      const raised = await eventually(() => alerts.find((a) => a.event === 'raised'), 20_000, 'a demo alert')
      expect(raised.alert.deviceId).toMatch(/^demo-rail-/)
    } finally {
      socket.close()
    }
  })

  it('keeps the same demo credentials across restarts of one data directory', async () => {
    sys = await startTestSystem({ env: { MIMAMORI_DEMO: '1' } })
    const dataDir = sys.dataDir
    const first = readFileSync(join(dataDir, DEMO_CREDENTIALS_FILE), 'utf8')
    await sys.system.stop()
    sys = await startTestSystem({ env: { MIMAMORI_DEMO: '1' }, dataDir, ownsDir: true })
    expect(readFileSync(join(dataDir, DEMO_CREDENTIALS_FILE), 'utf8')).toBe(first)
    const devices = await sys.api<{ devices: unknown[] }>('GET', '/devices')
    expect(devices.body.devices).toHaveLength(DEMO_DEVICES.length)
  })
})
