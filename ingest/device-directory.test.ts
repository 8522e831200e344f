import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyDeviceSecret } from '../broker/device-secrets.js'
import { createEngineHarness, MIN } from './alerts/testing/engine-harness.js'
import { createCredentialService } from './credentials.js'
import { loadDeviceDirectory } from './device-directory.js'
import { provisionDevice } from './provisioning.js'
import { type EmbeddedStore, openEmbeddedStore } from './store/duckdb/index.js'

const KEY = Buffer.alloc(32, 3)
const T0 = Date.UTC(2026, 5, 1, 0)

let dir: string
let store: EmbeddedStore
const path = () => join(dir, 'db.duckdb')

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mimamori-directory-'))
  store = await openEmbeddedStore(path())
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('revoking a device', () => {
  it('stores revokedAt (not an unusable hash), survives a restart and is lifted by a rotation', async () => {
    const directory = await loadDeviceDirectory(store.meta)
    const { password } = await provisionDevice(directory, KEY, { id: 'paddy-1', kind: 'paddy', site: null })
    const hash = directory.get('paddy-1')?.secretHash
    const gone: string[] = []
    directory.onRemoved((id) => gone.push(id))
    const credentials = createCredentialService(directory, KEY, () => T0)

    expect(await credentials.revoke('paddy-1')).toEqual({ revokedAt: T0 })
    expect(gone).toEqual(['paddy-1'])
    expect(directory.get('paddy-1')).toMatchObject({ revokedAt: T0, secretHash: hash })
    // a second revocation keeps the first time
    await directory.revoke('paddy-1', T0 + 5 * MIN)
    expect(directory.get('paddy-1')?.revokedAt).toBe(T0)

    await store.close()
    store = await openEmbeddedStore(path())
    const reloaded = await loadDeviceDirectory(store.meta)
    expect(reloaded.get('paddy-1')).toMatchObject({ revokedAt: T0, secretHash: hash })

    const rotated = await createCredentialService(reloaded, KEY).rotate('paddy-1')
    const device = reloaded.get('paddy-1')
    expect(device?.revokedAt).toBeNull()
    expect(verifyDeviceSecret(KEY, rotated.password, device?.secretHash ?? '')).toBe(true)
    expect(verifyDeviceSecret(KEY, password, device?.secretHash ?? '')).toBe(false)
    expect((await store.meta.getDevice('paddy-1'))?.revokedAt).toBeNull()
  })

  it('turns a revocation stored the old way (a revoked:<ms> hash) into revokedAt', async () => {
    await store.meta.addDevice({
      id: 'old-1',
      kind: 'rail',
      site: null,
      secretHash: `revoked:${T0}`,
      createdAt: T0 - MIN,
      revokedAt: null,
    })
    const directory = await loadDeviceDirectory(store.meta)
    expect(directory.get('old-1')?.revokedAt).toBe(T0)
    expect((await store.meta.getDevice('old-1'))?.revokedAt).toBe(T0)
  })

  it('follows a change made by another process when told to refresh', async () => {
    const directory = await loadDeviceDirectory(store.meta)
    await provisionDevice(directory, KEY, { id: 'paddy-2', kind: 'paddy', site: null })
    const gone: string[] = []
    directory.onRemoved((id) => gone.push(id))
    // e.g. the CLI wrote to PostgreSQL and the NOTIFY arrived
    await store.meta.revokeDevice('paddy-2', T0)
    expect(directory.get('paddy-2')?.revokedAt).toBeNull()
    await directory.refresh({ table: 'devices', id: 'paddy-2' })
    expect(directory.get('paddy-2')?.revokedAt).toBe(T0)
    expect(gone).toEqual(['paddy-2'])
    // a refresh with nothing new fires nothing
    await directory.refresh({ table: 'devices', id: 'paddy-2' })
    await store.meta.removeDevice('paddy-2')
    await directory.reload()
    expect(directory.get('paddy-2')).toBeUndefined()
    expect(gone).toEqual(['paddy-2', 'paddy-2'])
  })

  it('is skipped by the silence watchdog after a restart', async () => {
    const h = await createEngineHarness()
    try {
      const first = await loadDeviceDirectory(h.store.meta)
      for (const id of ['quiet-on', 'quiet-off'])
        await provisionDevice(first, KEY, { id, kind: 'paddy', site: 'Tanaka' }, () => h.clock)
      await createCredentialService(first, KEY, () => h.clock).revoke('quiet-off')
      // what a restarted process sees: the registry as stored
      const directory = await loadDeviceDirectory(h.store.meta)
      const engine = await h.engineWith({ directory })
      for (let i = 0; i < 36; i++) {
        h.advance(10 * MIN)
        engine.check()
      }
      await engine.idle()
      const silenced = h.events.filter((e) => e.event === 'raised').map((e) => e.alert.deviceId)
      expect(silenced).toContain('quiet-on')
      expect(silenced).not.toContain('quiet-off')
    } finally {
      await h.close()
    }
  })
})
