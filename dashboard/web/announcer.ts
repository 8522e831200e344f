import type { Announce } from './ui-context.js'

/**
 * Speaks through two visually hidden live regions. Each message replaces the last one after a
 * short blank so a screen reader announces a repeat of the same text too.
 */
export function createAnnouncer(polite: HTMLElement, assertive: HTMLElement): Announce {
  return (text, urgent = false) => {
    const region = urgent ? assertive : polite
    region.textContent = ''
    setTimeout(() => {
      region.textContent = text
    }, 50)
  }
}
