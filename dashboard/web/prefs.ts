/**
 * Display preferences kept between visits: the large-type option (WCAG 1.4.4 asks that text can
 * grow to 200 %; a farmer in the field should not need to pinch-zoom a phone to read a depth).
 */
export const LARGE_TYPE_KEY = 'mimamori.largeType'

export function readLargeType(storage: Pick<Storage, 'getItem'> | undefined): boolean {
  try {
    return storage?.getItem(LARGE_TYPE_KEY) === '1'
  } catch {
    return false
  }
}

export function saveLargeType(storage: Pick<Storage, 'setItem'> | undefined, on: boolean): void {
  try {
    storage?.setItem(LARGE_TYPE_KEY, on ? '1' : '0')
  } catch {
    // Storage can be disabled; the option still applies to this page view.
  }
}

/** The class on <html> that scales every rem-based size. */
export function applyLargeType(root: HTMLElement, on: boolean): void {
  root.classList.toggle('large-type', on)
}
