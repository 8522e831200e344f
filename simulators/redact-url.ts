/**
 * The URL without user info, so a password written into `--url` never reaches a log.
 * @example redactUrl('mqtt://dev:secret@host:1883') // 'mqtt://host:1883'
 */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw)
    if (!u.username && !u.password) return raw
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return raw
  }
}
