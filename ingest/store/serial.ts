/**
 * Runs the async functions given to it one at a time, in call order; one failing does not stop
 * the ones after it (each caller gets its own result or error).
 */
export function createSerial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve()
  return (fn) => {
    const run = chain.then(fn, fn)
    chain = run.catch(() => {})
    return run
  }
}
