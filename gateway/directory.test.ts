import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashDeviceSecret, verifyDeviceSecret } from '../broker/device-secrets.js'
import { loadSyncedDirectory } from './directory.js'
import { toRecords } from './local-ingest.js'

const log = pino({ level: 'silent' })
const key = Buffer.alloc(32, 3)
const list = (devices: Array<[string, string]>, gatewayId = 'gw-1') =>
  Buffer.from(
    JSON.stringify({
      gatewayId,
      devices: devices.map(([id, password]) => ({
        id,
        kind: 'paddy',
        secretHash: hashDeviceSecret(key, password),
      })),
    }),
  )

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-dir-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('synced device directory', () => {
  it('keeps the centre’s list on disk so devices authenticate after a restart without uplink', async () => {
    const file = join(dir, 'devices.json')
    const first = loadSyncedDirectory({ file, gatewayId: 'gw-1', log })
    expect(first.get('paddy-1')).toBeUndefined()
    expect(await first.update(list([['paddy-1', 'pw-1']]))).toEqual({ removed: [] })
    expect(first.fresh).toBe(true)

    const again = loadSyncedDirectory({ file, gatewayId: 'gw-1', log })
    expect(again.fresh).toBe(false)
    const entry = again.get('paddy-1')
    expect(entry).toMatchObject({ id: 'paddy-1', revokedAt: null, gatewayId: 'gw-1' })
    expect(verifyDeviceSecret(key, 'pw-1', entry?.secretHash as string)).toBe(true)
    expect(again.kindOf('paddy-1')).toBe('paddy')
  })

  it('reports devices that left or got a new secret, and refuses a list for another gateway', async () => {
    const directory = loadSyncedDirectory({ file: join(dir, 'devices.json'), gatewayId: 'gw-1', log })
    await directory.update(
      list([
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
      ]),
    )
    expect(
      await directory.update(
        list([
          ['a', '1'],
          ['b', 'new'],
        ]),
      ),
    ).toEqual({ removed: ['b', 'c'] })
    expect(await directory.update(list([], 'gw-2'))).toBeNull()
    expect(await directory.update(Buffer.from('{'))).toBeNull()
    expect(directory.ids()).toEqual(['a', 'b'])
  })
})

describe('outbox records for a device payload', () => {
  it('keeps each reading of a batch with its original ts (RFC 3339 becomes epoch ms) and values as sent', () => {
    const payload = Buffer.from(
      JSON.stringify({
        batch: [
          { ts: '2026-07-01T09:00:00+09:00', seq: 1, m: { water_depth_cm: 8 } },
          { ts: 1_782_864_060_000, seq: 2, m: { water_depth_cm: 500, battery_v: 3.6 } },
        ],
      }),
    )
    const { records, invalid } = toRecords('paddy-1', 'paddy', payload)
    expect(invalid).toBeUndefined()
    expect(records).toEqual([
      {
        type: 'reading',
        deviceId: 'paddy-1',
        ts: 1_782_864_000_000,
        seq: 1,
        m: { water_depth_cm: 8 },
        batch: true,
      },
      // out of range: the centre refuses that metric and dead-letters it, as for a direct device
      {
        type: 'reading',
        deviceId: 'paddy-1',
        ts: 1_782_864_060_000,
        seq: 2,
        m: { water_depth_cm: 500, battery_v: 3.6 },
        batch: true,
      },
    ])
  })

  it('keeps an invalid payload whole, with the reason', () => {
    const payload = Buffer.from('{"ts":1782864000000,"seq":-1,"m":{}}')
    const { records, invalid } = toRecords('paddy-1', 'paddy', payload)
    expect(invalid).toBe('schema')
    expect(records).toEqual([{ type: 'raw', deviceId: 'paddy-1', payload }])
  })
})
