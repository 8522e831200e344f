/** The V8 flags the server runs with; see node-flags.js. */
export function serverNodeFlags(): string[]
