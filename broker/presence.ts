/**
 * Device presence on `v1/devices/{id}/status` (retained): the broker publishes
 * `{"state":"online"}` when a device connects, and `{"state":"offline"}` when it goes away and
 * its own last will does not say so (no will, a will elsewhere, or a clean DISCONNECT, which
 * discards the will per MQTT-3.14.4-3). A connection that was taken over by a newer one of the
 * same device says nothing, so the newest state wins.
 */
import type { Aedes, Client } from 'aedes'
import type { Logger } from 'pino'
import { statusTopic } from '../firmware-contracts/index.js'
import { type HookContext, isCurrent } from './hook-context.js'

/** aedes marks a client that sent DISCONNECT; the typings do not show it. */
export const sentDisconnect = (client: Client) =>
  (client as unknown as { _disconnected?: boolean })._disconnected === true

export function trackPresence(aedes: Aedes, ctx: HookContext, log: Logger): void {
  const publish = (deviceId: string, state: 'online' | 'offline', reason?: string) => {
    const payload = Buffer.from(JSON.stringify({ state, ts: Date.now(), ...(reason ? { reason } : {}) }))
    aedes.publish(
      { cmd: 'publish', topic: statusTopic(deviceId), payload, qos: 1, retain: true, dup: false },
      (err) => {
        if (err) log.warn({ err, deviceId, state }, 'device status not published')
      },
    )
  }
  aedes.on('clientReady', (client) => {
    const identity = ctx.identities.get(client)
    if (identity?.role === 'device') publish(identity.deviceId, 'online')
  })
  aedes.on('clientDisconnect', (client) => {
    const identity = ctx.identities.get(client)
    if (identity?.role !== 'device' || !isCurrent(ctx, client)) return
    const will = ctx.connects.get(client)?.will
    const graceful = sentDisconnect(client)
    if (will && !graceful && will.topic === statusTopic(identity.deviceId)) return
    publish(
      identity.deviceId,
      'offline',
      graceful ? 'disconnected' : (ctx.reasons.get(client) ?? 'connection lost'),
    )
  })
}
