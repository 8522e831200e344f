/** Camera images: raw JPEG bytes on `v1/devices/{id}/image/{captureTsMs}`. */

export const DEFAULT_MAX_IMAGE_BYTES = 2 * 1024 * 1024
export const DEFAULT_MAX_TELEMETRY_BYTES = 16 * 1024

/** True when the bytes start with the JPEG SOI marker and a segment marker (FF D8 FF). */
export function looksLikeJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
}
