import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { DEVICE_ID_PATTERN, DEVICE_KINDS, type DeviceKind } from '../../firmware-contracts/index.js'
import { parseSpan } from '../duration.js'

export interface SimulateIo {
  /** Raw writes: every message this command writes ends with its own newline. */
  stdout: (s: string) => void
  stderr: (s: string) => void
  env: NodeJS.ProcessEnv
  /** Stops the run when aborted; without it, SIGINT and SIGTERM do (tests pass their own). */
  signal?: AbortSignal
  /** How often to print the progress line; default 5 s (1 s for `load`). */
  progressIntervalMs?: number
}

/** Thrown by argument checks; the command prints the message and exits 2. */
export class UsageError extends Error {}

/** `30s`, `5m`, `1h30m`, or a bare number of seconds, in ms. */
export function cliSpan(option: string, text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) * 1000 : parseSpan(text)
  if (ms === undefined || ms <= 0)
    throw new UsageError(`${option} "${text}" is not a duration: try 30s, 5m or 1h`)
  return ms
}

export function cliInt(option: string, text: string, min: number, max: number): number {
  if (!/^\d{1,12}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option} "${text}" must be a whole number from ${min} to ${max}`)
  }
  return Number(text)
}

export function cliQos(text: string | undefined): 0 | 1 {
  if (text === undefined || text === '1') return 1
  if (text === '0') return 0
  throw new UsageError(`--qos must be 0 or 1, not "${text}"`)
}

/** The broker URL from --url, else localhost on MQTT_PORT; only MQTT schemes. */
export function cliUrl(
  value: string | undefined,
  env: NodeJS.ProcessEnv,
  schemes = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'],
): string {
  const url = value ?? `mqtt://localhost:${env.MQTT_PORT || 1883}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`--url "${url}" is not a URL: try mqtt://localhost:1883`)
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new UsageError(
      `--url must start with ${schemes.map((s) => `${s}//`).join(', ')}, not ${parsed.protocol}//`,
    )
  }
  return url
}

export function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

const CredentialsSchema = z.record(
  z.string(),
  z.union([
    z.string().min(1),
    z.strictObject({ password: z.string().min(1), kind: z.enum(DEVICE_KINDS).optional() }),
  ]),
)

export interface CredentialEntry {
  deviceId: string
  password: string
  kind?: DeviceKind
}

/**
 * A credentials file: `{ "p-01": "password", "r-01": { "password": "…", "kind": "reservoir" } }`.
 * Errors name the file and the entry.
 * @example readCredentialsFile('creds.json')[0].deviceId
 */
export function readCredentialsFile(path: string): CredentialEntry[] {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`cannot read the credentials file ${path}: ${(err as Error).message}`)
  }
  const result = CredentialsSchema.safeParse(json)
  if (!result.success) {
    throw new UsageError(`credentials file ${path}: ${z.prettifyError(result.error)}`)
  }
  const bad = Object.keys(result.data).find((id) => !DEVICE_ID_PATTERN.test(id))
  if (bad !== undefined) {
    throw new UsageError(
      `credentials file ${path}: "${bad}" is not a valid device id (letters, digits, - and _)`,
    )
  }
  return Object.entries(result.data).map(([deviceId, v]) =>
    typeof v === 'string' ? { deviceId, password: v } : { deviceId, password: v.password, kind: v.kind },
  )
}

/** An abort signal tied to the caller's signal, or to SIGINT/SIGTERM; dispose() removes the handlers. */
export function stopSignal(external: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (external) return { signal: external, dispose: () => {} }
  const controller = new AbortController()
  const onSignal = (): void => controller.abort()
  // once: a second Ctrl-C falls through to Node's default and ends the process at once.
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose() {
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
    },
  }
}

export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** `12,345` */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}
