/**
 * A tiny element builder. Text always goes in through text nodes, never innerHTML: device ids,
 * sites and alert messages come from the field and must not be able to inject markup.
 */

type Attrs = Record<string, string | number | boolean | undefined | null>
export type Child = Node | string | number | null | undefined | false | Child[]

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces all children at once, so a live region or table never shows a half-built state. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  const fragment = document.createDocumentFragment()
  append(fragment, children)
  parent.replaceChildren(fragment)
}

/**
 * Runs `fn` once per animation frame at most, however often it is requested: live frames for a
 * thousand devices must not re-layout a phone a thousand times a second.
 */
export function frameScheduler(
  fn: () => void,
  raf: (cb: () => void) => unknown = requestAnimationFrame,
): () => void {
  let pending = false
  return () => {
    if (pending) return
    pending = true
    raf(() => {
      pending = false
      fn()
    })
  }
}

/**
 * Runs a re-render of `root` and puts keyboard focus back on the element with the same id, so a
 * live update never throws a keyboard or screen-reader user back to the top of the page.
 */
export function keepFocus(root: Element, render: () => void): void {
  const active = document.activeElement
  const id = active instanceof HTMLElement && root.contains(active) ? active.id : ''
  render()
  if (id !== '') document.getElementById(id)?.focus()
}
