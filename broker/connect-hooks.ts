/**
 * CONNECT handling: keepalive clamp, client-identifier rules, credentials (device token, client
 * certificate, ACL-file user, anonymous), failed-login throttling, takeover protection and the
 * will check. Every refusal is answered with a CONNACK code, counted and logged.
 */
import type { AedesOptions, AuthenticateError, Client } from 'aedes'
import { canPublish, clientIdMatches, type Identity, identityName } from './auth-policy.js'
import { verifyDeviceSecret } from './device-secrets.js'
import {
  authError,
  BAD_USERNAME_OR_PASSWORD,
  connectionInfo,
  type HookContext,
  IDENTIFIER_REJECTED,
  NOT_AUTHORIZED,
} from './hook-context.js'
import { verifyServicePassword } from './service-passwords.js'

type Done = (error: AuthenticateError | null, success: boolean | null) => void
type Outcome = { identity: Identity } | { reason: string; code: number }

/** A credential whose hash is `revoked:…` was revoked (ingest/credentials.ts); the row stays. */
export const REVOKED_HASH_PREFIX = 'revoked:'

export function createConnectHooks(
  ctx: HookContext,
): Required<Pick<AedesOptions, 'preConnect' | 'authenticate'>> {
  const { deps, limits } = ctx
  const { directory, secretKey, metrics, log } = deps

  const refuse = (client: Client, reason: string, code: number, done: Done, delayed: boolean) => {
    metrics.authFailures.inc({ reason })
    log.warn({ clientId: client.id, ip: connectionInfo(client)?.ip, reason }, 'mqtt connect refused')
    const answer = () => done(authError(reason, code), false)
    if (delayed && limits.authFailDelayMs > 0) setTimeout(answer, limits.authFailDelayMs).unref()
    else answer()
  }

  /** Who the credentials say this is, or why not. */
  const identify = async (
    client: Client,
    username: string | undefined,
    password: string | undefined,
  ): Promise<Outcome> => {
    const cn = connectionInfo(client)?.certCommonName
    const certDevice = cn ? directory.get(cn) : undefined
    if (certDevice && (username === undefined || username === cn)) {
      // the TLS layer verified the certificate against MQTT_TLS_CA; its CN names the device
      if (certDevice.revokedAt !== null || certDevice.secretHash.startsWith(REVOKED_HASH_PREFIX))
        return { reason: 'revoked', code: NOT_AUTHORIZED }
      return { identity: { role: 'device', deviceId: certDevice.id } }
    }
    if (username === undefined) {
      if (!deps.allowAnonymous) return { reason: 'missing_credentials', code: BAD_USERNAME_OR_PASSWORD }
      return {
        identity: {
          role: 'anonymous',
          clientId: client.id,
          rules: deps.acl?.anonymousRules ?? [{ topic: '#', access: 'readwrite' }],
        },
      }
    }
    const device = directory.get(username)
    const account = device ?? directory.getGateway(username)
    if (account) {
      if (password === undefined) return { reason: 'missing_credentials', code: BAD_USERNAME_OR_PASSWORD }
      if (account.revokedAt !== null || account.secretHash.startsWith(REVOKED_HASH_PREFIX))
        return { reason: 'revoked', code: NOT_AUTHORIZED }
      if (!verifyDeviceSecret(secretKey, password, account.secretHash))
        return { reason: 'bad_password', code: BAD_USERNAME_OR_PASSWORD }
      return {
        identity: device
          ? { role: 'device', deviceId: account.id }
          : { role: 'gateway', gatewayId: account.id },
      }
    }
    const user = deps.acl?.user(username)
    if (!user) return { reason: 'unknown_device', code: BAD_USERNAME_OR_PASSWORD }
    if (password === undefined || !(await verifyServicePassword(password, user.password)))
      return { reason: 'bad_password', code: BAD_USERNAME_OR_PASSWORD }
    return { identity: { role: 'user', username, clientId: client.id, rules: user.effectiveRules } }
  }

  /** Client-id rules beyond aedes': no session of another identity can be taken over. */
  const clientIdProblem = (client: Client, identity: Identity): string | undefined => {
    if (!clientIdMatches(identity, client.id)) return 'client_id_mismatch'
    if (identity.role === 'user' || identity.role === 'anonymous') {
      // device and gateway sessions belong to them alone, even while they are offline
      if (directory.get(client.id) || directory.getGateway(client.id)) return 'client_id_reserved'
      const current = ctx.latest.get(client.id)
      const owner = current && ctx.identities.get(current)
      if (owner && !current.closed && identityName(owner) !== identityName(identity))
        return 'client_id_in_use'
    }
    return undefined
  }

  return {
    preConnect(client, packet, callback) {
      // SlowITe (CVE-2020-13849): 3.1.1 cannot tell a client a shorter keepalive, so a keepalive of
      // 0 (none) or above the limit is enforced as the limit: silent clients go after 1.5 × limit.
      if (!packet.keepalive || packet.keepalive > limits.keepaliveMaxS)
        packet.keepalive = limits.keepaliveMaxS
      const will = packet.will as { topic: string; payload: Buffer; qos: number; retain: boolean } | undefined
      ctx.connects.set(client, {
        emptyClientId: !packet.clientId,
        clean: packet.clean !== false,
        will: will ?? undefined,
      })
      callback(null, true)
    },

    authenticate(client, username, passwordBuffer, done) {
      const facts = ctx.connects.get(client)
      // MQTT-3.1.3-8: a zero-byte client id with CleanSession=0 is answered 0x02 and closed
      if (facts?.emptyClientId && !facts.clean)
        return refuse(client, 'identifier_rejected', IDENTIFIER_REJECTED, done, false)
      const ip = connectionInfo(client)?.ip ?? 'unknown'
      if (ctx.ipThrottle.locked(ip)) return refuse(client, 'throttled_ip', NOT_AUTHORIZED, done, false)
      if (username !== undefined && ctx.userThrottle.locked(username))
        return refuse(client, 'throttled_user', NOT_AUTHORIZED, done, false)
      const password = passwordBuffer?.toString('utf8')
      identify(client, username, password).then(
        (outcome) => {
          if ('reason' in outcome) {
            if (outcome.reason !== 'missing_credentials' || username !== undefined) {
              ctx.ipThrottle.fail(ip)
              if (username !== undefined) ctx.userThrottle.fail(username)
            }
            return refuse(client, outcome.reason, outcome.code, done, true)
          }
          const identity = outcome.identity
          const problem = clientIdProblem(client, identity)
          if (problem) {
            const code = problem === 'client_id_mismatch' ? NOT_AUTHORIZED : IDENTIFIER_REJECTED
            return refuse(client, problem, code, done, false)
          }
          const will = facts?.will
          if (will) {
            const decision = canPublish(identity, will.topic, (id) => directory.get(id)?.gatewayId)
            if (!decision.allowed || will.topic.length > limits.maxTopicBytes)
              return refuse(client, 'will_denied', NOT_AUTHORIZED, done, false)
          }
          if (username !== undefined) ctx.userThrottle.succeed(username)
          ctx.identities.set(client, identity)
          ctx.latest.set(client.id, client)
          client.conn.once('close', () => {
            if (ctx.latest.get(client.id) === client) ctx.latest.delete(client.id)
          })
          done(null, true)
        },
        (err: unknown) => {
          log.error({ err, clientId: client.id }, 'mqtt authentication failed unexpectedly')
          done(authError('server error', 3), false)
        },
      )
    },
  }
}
