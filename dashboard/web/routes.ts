/** `#/devices/<id>` selects a device; any other hash (in-page anchors like `#alerts`) is not a route. */
export function parseRoute(hash: string): { isRoute: boolean; deviceId?: string } {
  if (!hash.startsWith('#/')) return { isRoute: false }
  const match = /^#\/devices\/([^/]+)$/.exec(hash)
  if (match === null) return { isRoute: true }
  try {
    return { isRoute: true, deviceId: decodeURIComponent(match[1] as string) }
  } catch {
    return { isRoute: true }
  }
}

/** Link target of a device; the hash keeps the selection across a reload and the back button. */
export function deviceHref(id: string): string {
  return `#/devices/${encodeURIComponent(id)}`
}
